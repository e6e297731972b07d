"""The governance demo loads through the real services and can run twice."""

from __future__ import annotations

from typing import Any

import pytest

from shaobao.geo.models import Division
from shaobao.governance.demo import governance_demo
from shaobao.governance.models import AdmissionItem, Meeting, PartyMember, Petition, TaskPush
from shaobao.org.models import Role
from world import CAISHAN, STREET_JIXIAN

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent(users: Any, make_user: Any) -> None:
    # The demo's own account names (SPEC §6) for the first street of the world.
    make_user("dept_mzj", Role.DEPARTMENT, department="mzj")
    make_user(f"street_{STREET_JIXIAN}", Role.STREET, division=STREET_JIXIAN)
    make_user(f"station_{CAISHAN}", Role.STATION, division=CAISHAN)
    for code in Division.objects.filter(level="street").order_by("code")[:3].values_list(
            "code", flat=True):
        if code != STREET_JIXIAN:
            make_user(f"street_{code}", Role.STREET, division=code)
    messages: list[str] = []
    governance_demo(messages.append)
    counts = (AdmissionItem.objects.count(), TaskPush.objects.count(), Meeting.objects.count(),
              Petition.objects.count(), PartyMember.objects.count())
    assert counts[0] == 87 and all(counts), (counts, messages)
    governance_demo(messages.append)
    assert counts == (AdmissionItem.objects.count(), TaskPush.objects.count(),
                      Meeting.objects.count(), Petition.objects.count(),
                      PartyMember.objects.count())
