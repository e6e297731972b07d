"""Labels defined elsewhere (roles, states, actions …) that the pages translate at run time.

Listed with `gettext_noop` so that `makemessages` puts them into this app's catalogue.
"""

from django.utils.translation import gettext_noop

RUNTIME_LABELS = [
    # roles
    gettext_noop("群众"), gettext_noop("网格员"), gettext_noop("网格警"), gettext_noop("单元长"),
    gettext_noop("红领工作站"), gettext_noop("乡镇街道"),
    gettext_noop("职能部门"), gettext_noop("指挥中心"), gettext_noop("领导"), gettext_noop("管理员"),
    # case states
    gettext_noop("待受理"), gettext_noop("已受理"), gettext_noop("站内办理"), gettext_noop("已吹哨"),
    gettext_noop("处置中"), gettext_noop("挂账"),
    gettext_noop("待核查"), gettext_noop("已结案"), gettext_noop("会商中"), gettext_noop("不予受理"),
    gettext_noop("已合并"),
    # actions
    gettext_noop("受理"), gettext_noop("合并"), gettext_noop("吹哨"), gettext_noop("报到"),
    gettext_noop("退回"), gettext_noop("申请延期"), gettext_noop("审批延期"),
    gettext_noop("恢复办理"), gettext_noop("办结反馈"), gettext_noop("核查"), gettext_noop("提请会商"),
    gettext_noop("评价"), gettext_noop("重新办理"),
    gettext_noop("督办"), gettext_noop("留言"),
    # lights, clocks, tasks, channels, ratings, event details
    gettext_noop("正常"), gettext_noop("临期"), gettext_noop("超期"), gettext_noop("报到时限"),
    gettext_noop("办结时限"), gettext_noop("反馈时限"),
    gettext_noop("核实"), gettext_noop("待办"), gettext_noop("已完成"), gettext_noop("已取消"),
    gettext_noop("群众上报"), gettext_noop("网格员巡查"), gettext_noop("单元长代报"), gettext_noop("热线"),
    gettext_noop("工作站登记"), gettext_noop("接口"),
    gettext_noop("历史导入"), gettext_noop("满意"), gettext_noop("基本满意"), gettext_noop("不满意"),
    gettext_noop("理由"), gettext_noop("办理结果"), gettext_noop("备注"), gettext_noop("牵头部门"),
    gettext_noop("配合部门"), gettext_noop("合并到"),
    gettext_noop("延期至"), gettext_noop("层级"), gettext_noop("事项"), gettext_noop("核查结论"),
    gettext_noop("审批"), gettext_noop("是否按时"), gettext_noop("来源"),
    gettext_noop("是"), gettext_noop("否"),
]
