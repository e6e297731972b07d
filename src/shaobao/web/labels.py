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
    # governance choices (admission, meetings, party, petitions, registers)
    gettext_noop("依法履职事项"), gettext_noop("依法协助事项"), gettext_noop("不应出具证明事项"),
    gettext_noop("已准入"), gettext_noop("已退出"), gettext_noop("已申请"), gettext_noop("审核中"),
    gettext_noop("已驳回"),
    gettext_noop("台账"), gettext_noop("证明"), gettext_noop("检查"), gettext_noop("评比"),
    gettext_noop("创建任务"), gettext_noop("准予派发"), gettext_noop("拒绝派发"),
    gettext_noop("乡镇（街道）联席会议"), gettext_noop("区联席会议"), gettext_noop("月调度会"),
    gettext_noop("信访工作联席会议"), gettext_noop("已安排"), gettext_noop("已召开"),
    gettext_noop("待签到"), gettext_noop("出席"), gettext_noop("请假"), gettext_noop("缺席"),
    gettext_noop("召集人选定"),
    gettext_noop("在职党员"), gettext_noop("单元长/联防长"), gettext_noop("单位积分"),
    gettext_noop("社区积分"),
    gettext_noop("来访"), gettext_noop("来信"), gettext_noop("来电"), gettext_noop("网上信访"),
    gettext_noop("办理中"), gettext_noop("已办结"), gettext_noop("复查中"), gettext_noop("复查办结"),
    gettext_noop("民情走访"), gettext_noop("矛盾纠纷"), gettext_noop("治安隐患"),
    gettext_noop("跟进中"), gettext_noop("已化解/已消除"), gettext_noop("已转案件"),
    gettext_noop("申报"), gettext_noop("已立项"), gettext_noop("中期评估"), gettext_noop("验收通过"),
    gettext_noop("验收未通过"), gettext_noop("待跟进"), gettext_noop("已宣传动员"),
    gettext_noop("已纳入"),
    # petition actions (governance_views.PETITION_ACTION_LABELS)
    gettext_noop("受理决定"), gettext_noop("交办责任单位或联席会议"), gettext_noop("出具办理结果"),
    gettext_noop("登记满意度"), gettext_noop("登记复查请求"),
    # webhook delivery states; event-type choice wording (tokens_views, inside an f-string)
    gettext_noop("待发送"), gettext_noop("已送达"), gettext_noop("已放弃"), gettext_noop("进入状态"),
]
