"""A generated history with every kind of case event, made through the real services."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shaobao.cases.models import Case
from shaobao.cases.services.intake import CaseCreateData, case_create
from shaobao.cases.services.transition import awaits_rating, case_transition
from shaobao.core.errors import ShaobaoError
from shaobao.org.models import User
from world import CAISHAN, MASHAN

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 9, 22, 9, 0, tzinfo=TZ)
ITEMS = ["GL01", "GL02", "ZF02", None]
_rating_turn = [0]
RATINGS = ["satisfied", "basically_satisfied", "unsatisfied", "satisfied", "basically_satisfied"]


def _u(name: str) -> User:
    return User.objects.select_related("department", "division").get(username=name)


def generate_history(n_cases: int = 70, seed: int = 11) -> Counter[str]:
    """Create `n_cases` cases over about three months and walk each through random actions.

    Returns how many times each action happened (the test checks every kind is there).
    """
    rnd = random.Random(seed)
    people = {n: _u(n) for n in ("command", "leader", "station_caishan", "station_mashan",
                                 "street_jixian", "dept_cgj", "dept_zjj", "resident1",
                                 "resident2", "grid_caishan1")}
    seen: Counter[str] = Counter()
    numbers: list[str] = []
    for i in range(n_cases):
        created = START + timedelta(days=rnd.uniform(0, 95), hours=rnd.uniform(0, 9))
        community = CAISHAN if i % 3 else MASHAN
        grid = f"{community}00{1 + (i % 2) if community == CAISHAN else 1}"
        reporter = people["resident1" if i % 2 else "resident2"]
        case = case_create(reporter, data=CaseCreateData(
            description=f"测试案件 {i}", item=rnd.choice(ITEMS), grid=grid), now=created).case
        seen["create"] += 1
        numbers.append(case.number)
        station = people["station_caishan" if community == CAISHAN else "station_mashan"]
        at = created
        for _ in range(rnd.randint(0, 12)):
            at += timedelta(hours=rnd.choice([0.2, 0.5, 1, 3, 8, 30, 80]))
            case = Case.objects.select_related("lead_department").get(pk=case.pk)
            step = _next_step(rnd, case, station, people, numbers)
            if step is None:
                break
            actor, action, payload = step
            try:
                case = case_transition(actor, case.number, action,
                                       {"version": case.version, **payload}, now=at)
                seen[action + ("_fail" if action == "verify" and not payload["passed"] else "")] += 1
            except ShaobaoError:
                seen["refused"] += 1
    return seen


def _next_step(rnd: random.Random, case: Case, station: User, p: dict[str, User],
               numbers: list[str]) -> tuple[User, str, dict[str, object]] | None:
    s = case.status
    dept = None
    if case.lead_department_id:
        dept = p["dept_cgj"] if case.lead_department.code == "cgj" else p["dept_zjj"]
    options: list[tuple[User, str, dict[str, object]]] = []
    if s == "submitted":
        options += [(station, "accept", {})] * 6 + [(station, "reject", {"reason": "不属实"})]
        others = [n for n in numbers if n != case.number]
        if others:
            options.append((station, "merge", {"target": rnd.choice(others)}))
    elif s == "accepted":
        options += [(station, "whistle", {"lead_department": rnd.choice(["cgj", "zjj"])})] * 5
        options += [(station, "take_in_station", {}), (station, "reject", {"reason": "重复"}),
                    (station, "escalate", {"reason": "难以协调"})]
    elif s == "station":
        options += [(station, "handle", {"result": "站内解决"})] * 3
        options += [(station, "whistle", {"lead_department": "cgj"})]
    elif s == "whistled" and dept:
        options += [(dept, "check_in", {})] * 5 + [(dept, "return", {"reason": "不属本部门"})]
    elif s == "in_progress" and dept:
        options += [(dept, "handle", {"result": "已处置"})] * 5
        options += [(p["command"], "suspend", {"reason": "工程类"}),
                    (dept, "return", {"reason": "职责不符"})]
    elif s == "suspended":
        options += [(p["command"], "resume", {})]
    elif s == "handled":
        options += [(station, "verify", {"passed": True})] * 3
        options += [(station, "verify", {"passed": False, "note": "未修好"})]
    elif s == "closed":
        if awaits_rating(case):  # not rated yet, or reworked since
            # Cycle so every rating occurs whatever the random walk did before.
            rating = RATINGS[_rating_turn[0] % len(RATINGS)]
            _rating_turn[0] += 1
            options += [(p["command"], "rate", {"rating": rating})] * 4
        options += [(p["command"], "reopen", {"reason": "群众不满意"})]
    elif s == "escalated":
        options += [(p["street_jixian"] if case.street and case.street.code == "340803005"
                     else p["command"], "whistle", {"lead_department": "zjj"})]
    if s in ("submitted", "accepted", "station", "whistled", "in_progress", "handled"):
        if rnd.random() < 0.15:
            options.append((rnd.choice([p["command"], p["leader"]]), "supervise",
                            {"reason": "督办"}))
        if rnd.random() < 0.15:
            options.append((station, "comment", {"text": "已联系群众", "public": True}))
    return rnd.choice(options) if options else None
