"""Following (关注) an open case instead of reporting it again.

Any signed-in user may follow an open case by its number; following adds a row and
nothing else — no role, scope or action on the case (`performs_as` checks the reporter,
not followers). What a follower may read is decided in `cases/selectors.py`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from shaobao.cases.models import OPEN_STATUSES, Case, CaseFollow, Status
from shaobao.core.errors import NotAllowedInState, NotFound
from shaobao.org.models import User


def case_follow(user: User, *, number: str, now: datetime | None = None) -> tuple[Case, bool]:
    """Follow the case; (case, True) when the follow is new, (case, False) when it existed."""
    case = Case.objects.filter(number=number).first()
    if case is None:
        raise NotFound(f"案件 {number} 不存在", code="case_not_found")
    if case.status not in OPEN_STATUSES:
        raise NotAllowedInState(f"案件当前状态为“{Status(case.status).label}”，只能关注办理中的案件",
                                code="not_followable")
    with transaction.atomic():
        # get_or_create re-reads on the unique constraint, so two taps never fail.
        _, created = CaseFollow.objects.get_or_create(
            user=user, case=case, defaults={"created_at": now or timezone.now()})
    return case, created


def case_unfollow(user: User, *, number: str) -> bool:
    """Stop following; True when there was a follow to remove."""
    deleted, _ = CaseFollow.objects.filter(user=user, case__number=number).delete()
    return bool(deleted)


def follows_carry_over(merged: Case, target: Case, at: datetime) -> int:
    """On a merge: the merged case's followers, and its reporter, follow the target, so
    that the people waiting on the duplicate hear how the problem is solved. Returns
    how many follows were added (none for the target's own reporter)."""
    users = set(CaseFollow.objects.filter(case=merged).values_list("user_id", flat=True))
    if merged.reporter_id is not None:
        users.add(merged.reporter_id)
    if target.reporter_id is not None:
        users.discard(target.reporter_id)
    users -= set(CaseFollow.objects.filter(case=target, user_id__in=users)
                 .values_list("user_id", flat=True))
    CaseFollow.objects.bulk_create([CaseFollow(user_id=u, case=target, created_at=at)
                                    for u in sorted(users)], ignore_conflicts=True)
    return len(users)
