"""Real concurrency against the real database (SQLite file or PostgreSQL).

Transactional tests: nothing wraps them in a rolled-back transaction, so each thread's
own connection sees what the others commit. The database is flushed after each of these
tests, so each builds the shared world itself first.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from world import build_world, inside

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(tmp_path: Path) -> None:
    from shaobao.org.models import User

    # The first transactional test still finds the session's world; later ones a flushed DB.
    if not User.objects.filter(username="command").exists():
        build_world(tmp_path)


def run_together(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..n-1) in n threads released at the same moment; return results in order."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as exc:  # surfaced by the assertions below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def report(api: Any, user: str = "resident1", key: str | None = None, col: int = 0) -> Any:
    lat, lng = inside(col)
    return api(user).post("/api/v1/cases", {"description": "楼道灯不亮", "item": "GL01",
                                            "lat": lat, "lng": lng},
                          headers={"Idempotency-Key": key} if key else None)


def test_two_accepts_with_the_same_version_one_wins(world: None, api: Any) -> None:
    from shaobao.cases.models import Case, CaseEvent

    r = report(api)
    assert r.status_code == 201, r.content
    number, version = r.json()["number"], r.json()["version"]
    clients = [api("station_caishan"), api("command")]
    for c in clients:  # authenticate once up front so the race is only about the case
        assert c.get("/api/v1/me").status_code == 200

    responses = run_together(2, lambda i: clients[i].act(number, "accept", version))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], [r.content for r in responses]
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["error"]["code"] == "conflict"
    assert loser["error"]["details"]["current_version"] == version + 1
    case = Case.objects.get(number=number)
    assert case.status == "accepted" and case.version == version + 1
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_two_different_actions_at_once_one_wins(world: None, api: Any) -> None:
    """Accept and reject raced through the service layer: exactly one happens."""
    from shaobao.cases.models import Case, CaseEvent
    from shaobao.cases.services.transition import case_transition
    from shaobao.core.errors import Conflict
    from shaobao.org.models import User

    number = report(api).json()["number"]
    station = User.objects.get(username="station_caishan")
    command = User.objects.get(username="command")

    def work(i: int) -> str:
        try:
            if i == 0:
                case_transition(station, number, "accept", {"version": 1})
            else:
                case_transition(command, number, "reject", {"version": 1, "reason": "重复"})
        except Conflict:
            return "conflict"
        return "ok"

    assert sorted(run_together(2, work)) == ["conflict", "ok"]
    case = Case.objects.get(number=number)
    assert case.version == 2 and case.status in ("accepted", "rejected")
    assert CaseEvent.objects.filter(case=case).count() == 2  # create + the winner


def test_concurrent_intake_gives_unique_numbers(world: None, api: Any) -> None:
    from shaobao.cases.models import Case

    users = ["resident1", "resident2", "station_caishan", "grid_caishan1"]
    clients = [api(users[i % len(users)]) for i in range(8)]
    for c in clients:
        assert c.get("/api/v1/me").status_code == 200

    def work(i: int) -> list[str]:
        numbers = []
        for _ in range(5):
            lat, lng = inside(i % 2)
            r = clients[i].post("/api/v1/cases", {"description": f"线程{i}上报", "lat": lat,
                                                  "lng": lng})
            assert r.status_code == 201, r.content
            numbers.append(r.json()["number"])
        return numbers

    numbers = [n for batch in run_together(8, work) for n in batch]
    assert len(numbers) == 40 and len(set(numbers)) == 40
    assert Case.objects.count() == 40
    assert set(Case.objects.values_list("number", flat=True)) == set(numbers)
    # One day's numbers form an unbroken sequence.
    assert sorted(int(n[-4:]) for n in numbers) == list(range(1, 41))


def test_idempotent_intake_sequential(world: None, api: Any) -> None:
    from shaobao.cases.models import Case

    key = str(uuid.uuid4())
    first = report(api, key=key)
    second = report(api, key=key)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["number"] == second.json()["number"]
    assert Case.objects.count() == 1
    # The key is per user: someone else's identical key makes their own case.
    other = report(api, user="resident2", key=key)
    assert other.status_code == 201 and other.json()["number"] != first.json()["number"]
    # A different key from the same user is a new case.
    assert report(api, key=str(uuid.uuid4())).status_code == 201
    assert Case.objects.count() == 3


def test_idempotent_intake_concurrent(world: None, api: Any) -> None:
    from shaobao.cases.models import Case, IdempotencyRecord

    key = str(uuid.uuid4())
    clients = [api("resident1"), api("resident1")]
    for c in clients:
        assert c.get("/api/v1/me").status_code == 200
    responses = run_together(2, lambda i: report(lambda _: clients[i], key=key))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 201], [r.content for r in responses]
    assert responses[0].json()["number"] == responses[1].json()["number"]
    assert Case.objects.count() == 1
    assert IdempotencyRecord.objects.filter(key=key).count() == 1
