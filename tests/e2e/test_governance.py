"""One browser test per governance module (/gov/), in Debian's chromium.

admission: a department's task outside the admitted lists is refused with the reason, and
anyone may look up a certificate without logging in · meetings: a street convener schedules
a joint meeting, adds a case to the agenda and decides to whistle it → the case is 已吹哨 ·
petitions: petition staff register a petition, the community's station sees the identity
masked · party: the station claims a post and signs a member in, the ranking shows the
points · registers: the command center sees projects, rosters with gaps and an indicator
ranking. Data each page needs is created through the governance services first; every
request stays on the live server and the console stays free of errors.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from e2e.conftest import TIMEOUT, Watch
from e2e.test_lifecycle import _login
from world import CAISHAN, PASSWORD, STREET_JIXIAN, inside

pytestmark = pytest.mark.django_db(transaction=True)
BJ = ZoneInfo("Asia/Shanghai")


def _local(dt: datetime) -> str:
    return dt.astimezone(BJ).strftime("%Y-%m-%dT%H:%M")


def _open(page: Any, details_id: str) -> None:
    details = page.locator(f"details#{details_id}")
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()


def _submit(page: Any, form: Any) -> int:
    """Submit `form` (a locator) and return the HTTP status of the page it leads to."""
    with page.expect_navigation() as nav:
        form.locator("button[type=submit]").first.click()
    return int(nav.value.status) if nav.value is not None else 0


def _clean(watch: Watch, origin: str, *, expected: tuple[int, ...] = ()) -> None:
    """No request left the live server and the console stayed clean. Chromium logs a
    document answered with an error status (the refusal page is a deliberate 422) as a
    console error: each of `expected` must appear exactly once and is the only one allowed."""
    assert watch.foreign(origin) == []
    allowed = [f"console: Failed to load resource: the server responded with a status of {s} "
               for s in expected]
    errors = list(watch.errors)
    for prefix in allowed:
        hits = [e for e in errors if e.startswith(prefix)]
        assert len(hits) == 1, (prefix, watch.errors)
        errors.remove(hits[0])
    assert errors == []


def _load_lists() -> None:
    from shaobao.governance.services.admission import admission_items_import
    path = Path(str(resources.files("shaobao.governance") / "data" / "admission.yaml"))
    admission_items_import(yaml.safe_load(path.read_text("utf-8")))


def _escalated_case(description: str) -> str:
    from shaobao.cases.services.intake import CaseCreateData, case_create
    from shaobao.cases.services.transition import case_transition
    from shaobao.org.models import User
    station = User.objects.get(username="station_caishan")
    lat, lng = inside(0)
    case = case_create(User.objects.get(username="resident1"),
                       data=CaseCreateData(description=description, lat=lat, lng=lng)).case
    case = case_transition(station, case.number, "accept", {"version": case.version})
    case = case_transition(station, case.number, "escalate",
                           {"version": case.version, "reason": "需街道协调"})
    return str(case.number)


# -- admission ------------------------------------------------------------------------------

def test_admission_refuses_a_task_outside_the_lists(browser: Any, site: str) -> None:
    from shaobao.governance.models import TaskPush
    _load_lists()
    watch = Watch()

    dept = _login(browser, watch, site, "dept_cgj")
    dept.goto(f"{site}/gov/admission/")
    form = dept.locator("form[action='/gov/admission/pushes']")
    dept.select_option("#pushform-community", CAISHAN)
    dept.select_option("#pushform-kind", "ledger")
    dept.fill("#pushform-title", "创建文明城市迎检台账")
    assert _submit(dept, form) == 422
    refusal = dept.inner_text(".messages .msg.error")
    assert "任务被拒绝下派" in refusal and "未列入村（社区）工作事项准入清单" in refusal
    assert TaskPush.objects.get(title="创建文明城市迎检台账").outcome == "refused"

    # Anyone may ask whether a community has to issue a certificate, without logging in.
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(TIMEOUT)
    anon = watch.attach(ctx.new_page())
    anon.goto(f"{site}/gov/certificates/")
    assert "/login/" not in anon.url
    assert anon.locator("#list-h .count").inner_text() == "20"
    anon.fill("#certificatequeryform-q", "无犯罪记录证明")
    assert _submit(anon, anon.locator("form[role=search]")) == 200
    assert "村（社区）不应出具该证明" in anon.inner_text("section[aria-labelledby=answer-h]")
    _clean(watch, site, expected=(422,))


# -- meetings -------------------------------------------------------------------------------

def test_meeting_decision_whistles_a_case(browser: Any, site: str) -> None:
    from shaobao.cases.models import Case
    first = _escalated_case("二楼平台没有路灯，夜间行人摔倒")
    watch = Watch()

    street = _login(browser, watch, site, "street_jixian")
    street.goto(f"{site}/gov/meetings/")
    _open(street, "schedule")
    street.select_option("#meetingform-kind", "street_joint")
    street.fill("#meetingform-title", "集贤路街道联席会议")
    street.fill("#meetingform-scheduled_at", _local(datetime.now(BJ)))
    street.fill("#meetingform-place", "街道三楼会议室")
    street.select_option("#meetingform-departments", ["cgj", "zjj"])
    street.select_option("#meetingform-communities", [CAISHAN])
    assert _submit(street, street.locator("details#schedule form")) == 200
    assert "/gov/meetings/" in street.url and "会议已安排" in street.inner_text(".messages")
    assert street.locator(f"#ag-{first}").count() == 1  # escalated cases start the agenda

    # A case escalated after scheduling is added to the agenda by the convener.
    number = _escalated_case("小区消防通道被占用，多次劝离无效")
    street.fill("#agendaform-case", number)
    assert _submit(street, street.locator("form[action$='/agenda']")) == 200
    assert "已增加议题" in street.inner_text(".messages")

    _open(street, f"decide-{number}")
    prefix = f"#decisionform-decision-{number}"
    street.select_option(f"{prefix}-action", "whistle")
    street.fill(f"{prefix}-task", "清理消防通道并设置禁停标识")
    street.select_option(f"{prefix}-department", "cgj")
    street.fill(f"{prefix}-deadline", _local(datetime.now(BJ) + timedelta(days=7)))
    assert _submit(street, street.locator(f"details#decide-{number} form")) == 200
    assert "会议决定已执行" in street.inner_text(".messages")
    assert "清理消防通道并设置禁停标识" in street.inner_text(f"article[aria-labelledby=ag-{number}]")

    with street.expect_navigation():
        street.click(f"#ag-{number} a")
    assert street.inner_text("#case-status") == "已吹哨"
    case = Case.objects.get(number=number)
    assert case.lead_department is not None and case.lead_department.code == "cgj"
    _clean(watch, site)


# -- petitions ------------------------------------------------------------------------------

def test_petition_identity_is_masked_for_the_station(browser: Any, site: str) -> None:
    from django.contrib.auth.hashers import make_password

    from shaobao.geo.models import Division
    from shaobao.governance.models import Petition, PetitionStaff
    from shaobao.org.models import Role, User
    street = Division.objects.get(code=STREET_JIXIAN)
    staff = User.objects.create(username="xf_jixian", role=Role.STREET, division=street,
                                password=make_password(PASSWORD))
    PetitionStaff.objects.create(user=staff, street=street)
    watch = Watch()

    desk = _login(browser, watch, site, "xf_jixian")
    desk.goto(f"{site}/gov/petitions/")
    _open(desk, "register")
    desk.select_option("#petitionform-street", STREET_JIXIAN)
    desk.select_option("#petitionform-community", CAISHAN)
    desk.select_option("#petitionform-channel", "visit")
    desk.fill("#petitionform-petitioner_name", "赵立新")
    desk.fill("#petitionform-petitioner_phone", "13855661234")
    desk.fill("#petitionform-petitioner_address", "工农小区3栋")
    desk.fill("#petitionform-subject", "补偿款未发放")
    desk.fill("#petitionform-content", "拆迁补偿款未按期发放")
    assert _submit(desk, desk.locator("details#register form")) == 200
    number = Petition.objects.get(subject="补偿款未发放").number
    assert f"已登记信访件：{number}" in desk.inner_text(".messages")
    facts = desk.inner_text("dl.facts")
    assert "赵立新" in facts and "13855661234" in facts and "工农小区3栋" in facts

    station = _login(browser, watch, site, "station_caishan")
    station.goto(f"{site}/gov/petitions/")
    row = station.locator("tbody tr", has_text=number)
    assert "赵**" in row.inner_text() and "138****1234" in row.inner_text()
    with station.expect_navigation():
        row.locator("a").click()
    facts = station.inner_text("dl.facts")
    assert "赵**" in facts and "138****1234" in facts and "已脱敏" in facts
    body = station.inner_text("body")
    assert "赵立新" not in body and "13855661234" not in body and "工农小区3栋" not in body
    _clean(watch, site)


# -- party members --------------------------------------------------------------------------

def test_party_claim_and_sign_in_show_in_the_ranking(browser: Any, site: str) -> None:
    from shaobao.governance.services import party as pa
    from shaobao.org.models import User
    station_user = User.objects.get(username="station_caishan")
    member = pa.party_member_register(station_user, name="张党员", home_community=CAISHAN,
                                      work_unit="cgj")
    pa.party_member_confirm(User.objects.get(username="dept_cgj"), member_id=member.pk)
    post = pa.service_post_create(station_user, community=CAISHAN, title="楼栋政策宣传员",
                                  capacity=2)
    activity = pa.activity_create(station_user, community=CAISHAN, title="荷塘夜话",
                                  at=datetime.now(BJ), points=3)
    watch = Watch()

    station = _login(browser, watch, site, "station_caishan")
    station.goto(f"{site}/gov/party/")
    station.select_option(f"#claim-{post.pk}", str(member.pk))
    assert _submit(station, station.locator(f"form[action$='/posts/{post.pk}/claim']")) == 200
    assert "已认领岗位" in station.inner_text(".messages")
    station.select_option(f"#sign-{activity.pk}", str(member.pk))
    assert _submit(station, station.locator(
        f"form[action$='/activities/{activity.pk}/sign-in']")) == 200
    assert "已签到" in station.inner_text(".messages")
    assert "名额 1/2" in station.inner_text("section[aria-labelledby=posts-h]")

    # Community ledger: 5 for the post + 3 for the activity; the unit ledger the same.
    ranking = station.locator("table:has(caption) tbody tr", has_text="张党员")
    assert ranking.locator("td").all_inner_texts() == ["1", "张党员", "8"]
    station.select_option("#r-place", "unit")
    assert _submit(station, station.locator("form:has(#r-place)")) == 200
    ranking = station.locator("table:has(caption) tbody tr", has_text="张党员")
    assert ranking.locator("td").all_inner_texts() == ["1", "张党员", "8"]
    _clean(watch, site)


# -- registers ------------------------------------------------------------------------------

def test_registers_page_lists_for_command(browser: Any, site: str) -> None:
    from shaobao.governance.models import Indicator
    from shaobao.governance.services import registers as rg
    from shaobao.org.models import User
    station = User.objects.get(username="station_caishan")
    street = User.objects.get(username="street_jixian")
    command = User.objects.get(username="command")
    rg.project_propose(station, community=CAISHAN, year=datetime.now(BJ).year,
                       title="红领夜话", goals="每月一次居民议事")
    ids = ["340803199001011234", "340803198502023456", "34080319700303567X"]
    target = rg.roster_import(street, name="低保对象", kind="低保", street=STREET_JIXIAN,
                              csv_text="id_number,name,community\n" + "\n".join(
                                  f"{i},居民{n},{CAISHAN}" for n, i in enumerate(ids)))
    coverage = rg.roster_import(street, name="养老保险参保", kind="参保", street=STREET_JIXIAN,
                                csv_text="id_hash\n" + "\n".join(
                                    hashlib.sha256(i.encode()).hexdigest() for i in ids[:2]))
    assert len(rg.roster_match(street, target_id=target.pk, coverage_id=coverage.pk)) == 1
    Indicator.objects.create(scheme="村级集体经济", code="CJ01", name="村级集体经营性收入",
                             unit="元", target=100000, bands=[100000, 500000])
    for code, name, value in [("a", "河港社区", 520000), ("b", "某村", 80000),
                              ("c", "另一村", 150000)]:
        rg.indicator_value_record(command, indicator="CJ01", unit_code=code, unit_name=name,
                                  period="2020", value=value)
    watch = Watch()

    page = _login(browser, watch, site, "command")
    page.goto(f"{site}/gov/registers/")
    assert "红领夜话" in page.inner_text("section[aria-labelledby=proj-h]")
    row = page.locator("section[aria-labelledby=rost-h] tbody tr", has_text="低保对象")
    assert row.locator("td").all_inner_texts()[3:5] == ["3", "1"]  # people, open gaps
    assert "村级集体经营性收入" in page.inner_text("section[aria-labelledby=ind-h]")
    page.select_option("#ind-scheme", "村级集体经济")
    page.fill("#ind-period", "2020")
    assert _submit(page, page.locator("form:has(#ind-period)")) == 200
    ranked = page.locator("section[aria-labelledby=ind-h] table").last.locator("tbody tr")
    assert [r.locator("td").nth(1).inner_text() for r in ranked.all()] == [
        "河港社区", "另一村", "某村"]
    _clean(watch, site)
