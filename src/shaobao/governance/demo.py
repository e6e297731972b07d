"""Demo content for governance: the admission lists, pushes, meetings, petitions, members.

Idempotent: each part checks whether its rows exist before creating them. It uses the
demo accounts (`street_<code>`, `station_<code>`, `dept_<code>`) and goes through the same
services as people would, so the demo exercises the real rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from shaobao.geo.models import Division, DivisionLevel
from shaobao.governance.models import (
    AdmissionApplication,
    Indicator,
    Meeting,
    PartyMember,
    Petition,
    PetitionStaff,
    TaskPush,
    VisitLog,
)
from shaobao.governance.services import admission, meetings, party, petitions, registers
from shaobao.org.models import Role, User

Progress = Callable[[str], None]
DATA = resources.files("shaobao.governance") / "data"
DEMO_PASSWORD = "shaobao-demo"


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def demo_admission(progress: Progress) -> None:
    data: dict[str, Any] = yaml.safe_load(Path(str(DATA / "admission.yaml")).read_text("utf-8"))
    created, updated = admission.admission_items_import(data)
    progress(f"准入清单：新增 {created} 项，更新 {updated} 项")
    mzj, zjj, cgj = _user("dept_mzj"), _user("dept_zjj"), _user("dept_cgj")
    community = Division.objects.filter(level=DivisionLevel.COMMUNITY).order_by("code").first()
    if mzj and community and not TaskPush.objects.exists():
        code = community.code
        admission.community_task_push(mzj, community=code, kind="台账", item_code="XZ01",
                                      title="低保对象年度入户核查台账")
        admission.community_task_push(mzj, community=code, kind="评比", title="“最美社区”创建评比材料")
        if zjj:
            admission.community_task_push(zjj, community=code, kind="证明", title="无房证明")
            admission.community_task_push(zjj, community=code, kind="检查", item_code="LZ20",
                                          title="业委会履职情况检查")
        if cgj:
            admission.community_task_push(cgj, community=code, kind="创建任务",
                                          title="文明城市创建迎检台账")
    if cgj and not AdmissionApplication.objects.exists():
        start = admission.earliest_effective_date(timezone.now())
        admission.admission_application_submit(
            cgj, list_kind="assist", title="协助开展背街小巷门前三包责任告知",
            legal_basis="《城市市容和环境卫生管理条例》", effective_date=start,
            reason="背街小巷门前三包责任人分散，需要社区协助告知", funding="按户数拨付工作经费")
    progress(f"下派任务记录：{TaskPush.objects.count()} 条")


def demo_meetings(progress: Progress) -> None:
    if Meeting.objects.exists():
        progress("会议：已存在，跳过")
        return
    now = timezone.now()
    made = 0
    for street in Division.objects.filter(level=DivisionLevel.STREET).order_by("code")[:3]:
        officer = _user(f"street_{street.code}")
        communities = list(street.children.order_by("code")[:2])
        if officer is None or not communities:
            continue
        # No cases are created here: the history simulator only runs on an empty case table.
        # The agenda takes whatever escalated cases the street has when this runs.
        meeting = meetings.meeting_schedule(
            officer, kind="street_joint", title=f"{street.name}{now:%Y年%m月}联席会议",
            scheduled_at=now - timedelta(days=1), place=f"{street.name}便民服务中心会议室",
            departments=["cgj", "zjj", "gdgs", "zfdd"], communities=[c.code for c in communities])
        meetings.meeting_attendance_record(officer, meeting_id=meeting.pk,
                                           present=["cgj", "zjj", communities[0].code],
                                           excused=["gdgs"], summary="会商辖区疑难问题，形成四清单交办。")
        first = meeting.agenda.select_related("case").first()
        if first:
            meetings.meeting_decide(officer, meeting_id=meeting.pk, case_number=first.case.number,
                                    task="安装二楼平台路灯并接入路灯管理系统", department="cgj",
                                    deadline=now + timedelta(days=15), now=now)
        meetings.meeting_schedule(officer, kind="dispatch", title=f"{street.name}{now:%m}月调度会",
                                  scheduled_at=now + timedelta(days=7),
                                  departments=["cgj", "zjj"])
        made += 2
    progress(f"会议：{made} 场")


def demo_petitions(progress: Progress) -> None:
    if Petition.objects.exists():
        progress("信访：已存在，跳过")
        return
    hashed = make_password(DEMO_PASSWORD)
    count = 0
    for n, street in enumerate(Division.objects.filter(level=DivisionLevel.STREET)
                               .order_by("code")[:3]):
        staff, _ = User.objects.get_or_create(
            username=f"xf_{street.code}", defaults={
                "role": Role.STREET, "division": street, "password": hashed,
                "display_name": f"{street.name}信访专干"})
        PetitionStaff.objects.get_or_create(user=staff, street=street)
        officer = _user(f"street_{street.code}")
        meeting = meetings.meeting_schedule(
            officer or staff, kind="petition_joint", title=f"{street.name}信访工作联席会议",
            scheduled_at=timezone.now() + timedelta(days=3), departments=["xfj", "sfj", "zjj"])
        community = street.children.order_by("code").first()
        for m, (channel, subject) in enumerate([("visit", "拆迁安置补偿款未按期发放"),
                                                 ("letter", "小区违建阳光房影响采光"),
                                                 ("online", "物业费收取标准不透明")]):
            p = petitions.petition_register(
                staff, street=street.code, channel=channel, petitioner_name=["赵立新", "钱秀英", "孙建华"][m],
                petitioner_phone=f"1385566{n}{m:03d}", subject=subject,
                content=f"{subject}，多次反映未解决，请求协调处理。",
                community=community.code if community else None)
            if m < 2:
                petitions.petition_accept(staff, number=p.number, accepted=True, note="属于受理范围")
                petitions.petition_assign(staff, number=p.number, department="zjj",
                                          meeting_id=meeting.pk)
            if m == 0:
                petitions.petition_conclude(staff, number=p.number,
                                            result="经联席会议协调，补偿款已于本月发放到位")
                petitions.petition_rate(staff, number=p.number, satisfaction="satisfied")
            count += 1
    progress(f"信访：{count} 件（信访专干账号 xf_<乡镇街道代码>）")


def demo_party(progress: Progress) -> None:
    if PartyMember.objects.exists():
        progress("双报到党员：已存在，跳过")
        return
    from shaobao.core.demo_names import person_name

    units = ["cgj", "zjj", "mzj", "rsj", "wjw", "sfj"]
    now = timezone.now()
    stations = User.objects.filter(role=Role.STATION, username__startswith="station_",
                                   division__level=DivisionLevel.COMMUNITY).select_related(
        "division").order_by("username")[:4]
    total = leaders = 0
    for c_index, station in enumerate(stations):
        community = station.division
        assert community is not None
        post = party.service_post_create(station, community=community.code, title="楼栋政策宣传员",
                                         capacity=10)
        activity = party.activity_create(station, community=community.code,
                                         title="“荷塘夜话”居民议事", at=now - timedelta(days=3))
        for k in range(6):
            unit = units[(c_index + k) % len(units)]
            member = party.party_member_register(
                station, name=person_name(4000 + c_index * 10 + k), home_community=community.code,
                work_unit=unit)
            dept_user = _user(f"dept_{unit}")
            if dept_user and k % 3:
                party.party_member_confirm(dept_user, member_id=member.pk)
            party.post_claim(station, post_id=post.pk, member_id=member.pk)
            if k % 2 == 0:
                party.activity_sign_in(station, activity_id=activity.pk, member_id=member.pk)
            total += 1
        party.party_member_register(station, name=person_name(4500 + c_index),
                                    home_community=community.code, kind="unit_leader")
        leaders += 1
    progress(f"双报到党员：{total} 名，另有单元长 {leaders} 名")


def demo_registers(progress: Progress) -> None:
    if not VisitLog.objects.exists():
        for police in User.objects.filter(role=Role.GRID_POLICE).order_by("username")[:5]:
            registers.visit_log_create(police, content="入户走访独居老人，了解防诈骗情况")
            log = registers.visit_log_create(police, kind="dispute", content="邻里因楼道堆物发生口角")
            registers.visit_log_resolve(police, log_id=log.pk, resolution="现场调解，双方达成一致")
            registers.visit_log_create(police, kind="hazard", content="小区电动车楼道充电")
    if not Indicator.objects.exists():
        rows = [("KFQ01", "财政收入", "万元"), ("KFQ02", "规上工业产值", "亿元"),
                ("KFQ03", "高新技术产业产值", "亿元"), ("KFQ04", "战略性新兴产业产值", "亿元"),
                ("KFQ05", "固定资产投资", "亿元"), ("KFQ06", "工业投资", "亿元"),
                ("KFQ07", "招商引资到位资金", "亿元"), ("KFQ08", "税收收入", "万元")]
        for n, (code, name, unit) in enumerate(rows):
            Indicator.objects.create(scheme="开发区8项关键指标", code=code, name=name, unit=unit,
                                     target=100.0 + n * 10)
        Indicator.objects.create(scheme="村级集体经济", code="CJ01", name="村级集体经营性收入",
                                 unit="元", target=100000, bands=[100000, 500000])
    progress(f"民情日志：{VisitLog.objects.count()} 篇；考核指标：{Indicator.objects.count()} 项")


def governance_demo(progress: Progress) -> None:
    demo_admission(progress)
    demo_meetings(progress)
    demo_petitions(progress)
    demo_party(progress)
    demo_registers(progress)
