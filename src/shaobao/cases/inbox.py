"""A user's inbox: the `Notification` rows `services.notify` writes for case events.

Every function takes the user and filters on `user_id` first, so nobody ever reads or
changes another user's rows; the (user, read) index serves the list, the unread count
and the update.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.urls import reverse

from shaobao.cases.models import CaseFollow, Notification
from shaobao.cases.selectors import case_list_for
from shaobao.core.errors import InvalidInput
from shaobao.org.models import User

MAX_IDS = 1000
# How long notifications are kept: read ones half a year, unread ones a year (a user who
# never comes back must not grow the table for ever). The cases and events stay.
KEEP_READ = timedelta(days=180)
KEEP_UNREAD = timedelta(days=365)
PURGE_CHUNK = 5000  # rows per DELETE, so no statement holds its locks for long
_MAX_ID = 2**63 - 1  # a bigint: larger ids cannot exist and would overflow SQLite


def notification_list_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, with their case and event."""
    qs = Notification.objects.filter(user_id=user.pk)
    if unread_only:
        qs = qs.filter(read=False)
    return qs.select_related("case", "event").order_by("-at", "-id")


def notification_unread_count(user: User) -> int:
    """One indexed COUNT over (user, read)."""
    return Notification.objects.filter(user_id=user.pk, read=False).count()


def notifications_mark_read(user: User, *, ids: Iterable[int] | None = None,
                            everything: bool = False) -> int:
    """Mark the user's own unread notifications read: those with these ids, or all of them.

    Ids of other users' rows (or unknown ids) are silently not marked; the return value is
    how many rows changed.
    """
    qs = Notification.objects.filter(user_id=user.pk, read=False)
    if not everything:
        if ids is None:
            raise InvalidInput("请提供 ids（通知编号列表）或 all: true")
        wanted = list(ids)
        if len(wanted) > MAX_IDS:
            raise InvalidInput(f"ids 一次最多 {MAX_IDS} 个")
        if any(isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= _MAX_ID
               for i in wanted):
            raise InvalidInput("ids 必须是正整数（通知编号）")
        if not wanted:
            return 0
        qs = qs.filter(pk__in=wanted)
    return qs.update(read=True)


def notification_links(user: User, notes: Sequence[Notification]) -> dict[int, str | None]:
    """Where each notification leads, by notification id: the case page if the user may
    open the case (as `case_get_for` would allow), else the followed cases on /my for a
    follower, else nowhere. Two queries for the whole page, whatever its length."""
    case_ids = {n.case_id for n in notes}
    if not case_ids:
        return {}
    visible = set(case_list_for(user).filter(pk__in=case_ids).values_list("pk", flat=True))
    hidden = case_ids - visible
    followed = set(CaseFollow.objects.filter(user_id=user.pk, case_id__in=hidden)
                   .values_list("case_id", flat=True)) if hidden else set()
    links: dict[int, str | None] = {}
    for n in notes:
        if n.case_id in visible:
            links[n.pk] = reverse("case", args=[n.case.number])
        elif n.case_id in followed:
            links[n.pk] = reverse("my_cases") + "#followed"
        else:
            links[n.pk] = None
    return links


def notifications_purge(now: datetime) -> int:
    """Delete notifications older than the keeping periods; returns how many went.

    Nightly (`cases.jobs`). Chunks by id so a large first purge never locks the table
    for long; there is no index on `at` (it would cost every notification a write to
    save a scan once a night).
    """
    stale = (Notification.objects.filter(read=True, at__lt=now - KEEP_READ)
             | Notification.objects.filter(at__lt=now - KEEP_UNREAD))
    removed = 0
    while ids := list(stale.order_by("id").values_list("id", flat=True)[:PURGE_CHUNK]):
        removed += Notification.objects.filter(pk__in=ids).delete()[0]
    return removed
