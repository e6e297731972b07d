"""Done means: indicators from the rollups equal a from-scratch replay of the events, exactly."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from analytics.history import generate_history
from shaobao.analytics.facts import facts_rebuild
from shaobao.analytics.kpis import Scope, kpis_for
from shaobao.analytics.models import (
    FLAGS,
    CaseFacts,
    DailyCoarseRollup,
    DailyRollup,
    MonthlyCoarseRollup,
    MonthlyRollup,
)
from shaobao.analytics.recompute import kpis_recompute_from_events
from shaobao.cases.models import Case
from shaobao.cases.services.sweep import sla_sweep
from shaobao.geo.models import Division
from shaobao.org.models import Department
from world import CAISHAN, MASHAN, STREET_JIXIAN

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 1, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EVERY_KIND = {"create", "accept", "reject", "merge", "take_in_station", "whistle", "check_in",
              "return", "handle", "verify", "verify_fail", "rate", "reopen", "supervise",
              "suspend", "resume", "escalate", "comment"}
PERIODS = [(date(2025, 9, 1), date(2026, 1, 31)),   # everything, whole months
           (date(2025, 10, 1), date(2025, 10, 31)),  # one month
           (date(2025, 9, 25), date(2025, 11, 12)),  # ragged ends + a whole month
           (date(2025, 12, 3), date(2025, 12, 17))]  # days only


def _scopes() -> list[tuple[str, Scope]]:
    div = {d.code: d.pk for d in Division.objects.filter(code__in=[CAISHAN, MASHAN,
                                                                     STREET_JIXIAN])}
    dept = dict(Department.objects.filter(code__in=["cgj", "zjj"]).values_list("code", "pk"))
    return [("district", Scope(district_code="340803")),
            ("street", Scope(street_id=div[STREET_JIXIAN])),
            ("community caishan", Scope(community_id=div[CAISHAN])),
            ("community mashan", Scope(community_id=div[MASHAN])),
            ("department cgj", Scope(department_id=dept["cgj"])),
            ("department zjj", Scope(department_id=dept["zjj"])),
            ("item GL01", Scope(item_code="GL01")),
            ("no item", Scope(item_code="")),
            ("cgj in caishan", Scope(community_id=div[CAISHAN], department_id=dept["cgj"])),
            ("cgj in street", Scope(street_id=div[STREET_JIXIAN], department_id=dept["cgj"]))]


def _compare() -> int:
    checked = 0
    for name, scope in _scopes():
        for frm, to in PERIODS:
            got = kpis_for(scope, frm, to)
            want = kpis_recompute_from_events(scope, frm, to, NOW)
            assert got["counts"] == want["counts"], (name, frm, to)
            assert got["rates"] == want["rates"], (name, frm, to)
            assert got["composite"] == want["composite"], (name, frm, to)
            checked += 1
    return checked


def test_rollups_equal_event_replay() -> None:
    seen = generate_history()
    missing = EVERY_KIND - set(seen)
    assert not missing, f"history lacks {missing}: {seen}"
    sla_sweep(NOW)  # marks overdue cases (and refreshes the open-and-overdue facts)
    assert Case.objects.filter(overdue=True).exists()
    assert CaseFacts.objects.count() == Case.objects.count()
    whole = kpis_for(Scope(district_code="340803"), *PERIODS[0])["counts"]
    # A history that exercises every flag, not just zeros.
    assert all(whole[f] > 0 for f in FLAGS), {f: v for f, v in whole.items() if not v}
    assert _compare() == len(PERIODS) * len(_scopes())

    # Rebuilding from scratch gives the very same rollups as the incremental path.
    def snapshot() -> tuple[list[tuple[object, ...]], ...]:
        cols = ("district_code", "street_id", "community_id", "item_code", "department_id",
                *FLAGS)
        daily = sorted(r for r in DailyRollup.objects.values_list("day", *cols) if any(r[6:]))
        monthly = sorted(r for r in MonthlyRollup.objects.values_list("month", *cols)
                         if any(r[6:]))
        coarse = ("district_code", "street_id", "department_id", *FLAGS)
        dc = sorted(r for r in DailyCoarseRollup.objects.values_list("day", *coarse) if any(r[4:]))
        mc = sorted(r for r in MonthlyCoarseRollup.objects.values_list("month", *coarse)
                    if any(r[4:]))
        return daily, monthly, dc, mc

    before = snapshot()
    facts_rebuild()
    assert snapshot() == before


def test_sweep_moves_overdue_facts_both_ways() -> None:
    generate_history(n_cases=25, seed=5)
    scope = Scope(district_code="340803")
    period = PERIODS[0]
    sla_sweep(NOW)
    after_sweep = kpis_for(scope, *period)["counts"]["overdue_open"]
    assert after_sweep == kpis_recompute_from_events(scope, *period, NOW)["counts"]["overdue_open"]
    # Going back in time un-marks them again, and the rollups follow.
    early = datetime(2025, 9, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    sla_sweep(early)
    assert kpis_for(scope, *period)["counts"]["overdue_open"] == 0
