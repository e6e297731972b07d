"""Fixtures for governance tests: the admission lists, extra accounts, escalated cases."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from world import CAISHAN, STREET_JIXIAN, inside


@pytest.fixture
def lists(db: Any) -> None:
    from shaobao.governance.services.admission import admission_items_import

    path = Path(str(resources.files("shaobao.governance") / "data" / "admission.yaml"))
    admission_items_import(yaml.safe_load(path.read_text("utf-8")))


@pytest.fixture
def make_user(db: Any) -> Any:
    from shaobao.geo.models import Division
    from shaobao.org.models import Department, User

    def make(username: str, role: str, *, division: str | None = None,
             department: str | None = None, **extra: Any) -> User:
        return User.objects.create(
            username=username, role=role,
            division=Division.objects.get(code=division) if division else None,
            department=Department.objects.get(code=department) if department else None, **extra)

    return make


@pytest.fixture
def escalated_case(db: Any) -> Any:
    """A case in 蔡山社区 escalated by its station to the street (status `escalated`)."""
    from shaobao.cases.models import Case
    from shaobao.cases.services.intake import CaseCreateData, case_create
    from shaobao.cases.services.transition import case_transition
    from shaobao.org.models import User

    def make(description: str = "二楼平台没有路灯") -> Case:
        resident = User.objects.get(username="resident1")
        station = User.objects.get(username="station_caishan")
        lat, lng = inside(0)
        case = case_create(resident, data=CaseCreateData(description=description, lat=lat,
                                                         lng=lng)).case
        case = case_transition(station, case.number, "accept", {"version": case.version})
        return case_transition(station, case.number, "escalate",
                               {"version": case.version, "reason": "需街道协调"})

    return make


__all__ = ["CAISHAN", "STREET_JIXIAN"]
