"""Work queues for the pages: what needs the viewer's action now, nearest deadline first.

Reads go through `case_list_for` (the one scoped gate) and the decision whether a case
needs the viewer comes from `allowed_actions_for` (the one transition table). The
database filter below only narrows the candidates; it never grants anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from shaobao.cases.deadlines import case_deadlines_view
from shaobao.cases.models import OPEN_STATUSES, Case, Status, Task, TaskKind, TaskStatus
from shaobao.cases.selectors import case_list_for
from shaobao.cases.services.transition import AWAITING_RATING, allowed_actions_for
from shaobao.cases.workflow import TRANSITIONS, Action
from shaobao.org.models import Role, User

# Actions that mean "this case waits for you". Comments, supervision, escalation and
# reopening are possible on many cases but are not work someone is waiting for.
NEEDS_ACTION = frozenset({Action.ACCEPT, Action.TAKE_IN_STATION, Action.WHISTLE,
                          Action.CHECK_IN, Action.HANDLE, Action.VERIFY,
                          Action.DECIDE_EXTENSION, Action.RATE})
CANDIDATE_STATUSES = frozenset(
    s for a in NEEDS_ACTION for s in (TRANSITIONS[a].sources or ()))
QUEUE_CAP = 2000  # candidates examined per request; a queue longer than this needs filters
FAR_FUTURE = datetime.max.replace(tzinfo=timezone.get_fixed_timezone(0))


@dataclass
class Filters:
    status: str = ""
    item: str = ""
    overdue: bool = False
    open: bool = False
    q: str = ""
    all: bool = False
    community: str = ""
    department: str = ""
    grid: str = ""
    since: date | None = None
    closed_since: date | None = None

    @classmethod
    def from_query(cls, params: Any) -> Filters:
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(params.get(name, ""))
            except ValueError:
                return None
        status = params.get("status", "")
        return cls(status=status if status in Status.values else "",
                   item=params.get("item", "").strip()[:16],
                   overdue=params.get("overdue") in ("1", "true", "on"),
                   open=params.get("open") in ("1", "true", "on"),
                   q=params.get("q", "").strip()[:100],
                   all=params.get("all") in ("1", "true", "on"),
                   community=params.get("community", "").strip()[:12],
                   department=params.get("department", "").strip()[:16],
                   grid=params.get("grid", "").strip()[:20],
                   since=day("since"), closed_since=day("closed_since"))

    def apply(self, qs: QuerySet[Case]) -> QuerySet[Case]:
        if self.status:
            qs = qs.filter(status=self.status)
        if self.open:
            qs = qs.filter(status__in=OPEN_STATUSES)
        if self.item:
            qs = qs.filter(item__code=self.item)
        if self.overdue:
            qs = qs.filter(overdue=True, status__in=OPEN_STATUSES)
        if self.community:
            qs = qs.filter(community__code=self.community)
        if self.grid:
            qs = qs.filter(grid__code=self.grid)
        if self.department:
            qs = qs.filter(Q(lead_department__code=self.department)
                           | Q(co_departments__code=self.department)).distinct()
        if self.since:
            qs = qs.filter(created_at__gte=_start_of(self.since))
        if self.closed_since:
            qs = qs.filter(closed_at__gte=_start_of(self.closed_since))
        if self.q:
            qs = qs.filter(Q(description__icontains=self.q) | Q(number__icontains=self.q)
                           | Q(address__icontains=self.q))
        return qs


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def next_due(case: Case) -> datetime | None:
    """The nearest deadline still running on the case (for sorting)."""
    dues = []
    if case.status == Status.WHISTLED and case.check_in_due:
        dues.append(case.check_in_due)
    if case.status in (Status.WHISTLED, Status.IN_PROGRESS, Status.STATION) and case.handle_due:
        dues.append(case.handle_due)
    if case.feedback_at is None and case.feedback_due and case.status in OPEN_STATUSES:
        dues.append(case.feedback_due)
    return min(dues) if dues else None


@dataclass
class Row:
    case: Case
    actions: list[str]
    due: datetime | None
    now: datetime

    @cached_property
    def deadlines(self) -> dict[str, Any]:
        """Only for the rows a page shows: the lights read the work calendar and cost as
        much as deciding the row's actions, and a queue examines up to QUEUE_CAP rows."""
        return case_deadlines_view(self.case, self.now)


def _candidates(user: User) -> QuerySet[Case]:
    qs = case_list_for(user)
    if user.role in (Role.RESIDENT, Role.UNIT_LEADER):
        return qs.filter(AWAITING_RATING, reporter=user, status=Status.CLOSED)
    statuses = set(CANDIDATE_STATUSES) - {Status.CLOSED}
    if user.role == Role.DEPARTMENT:
        return qs.filter(status__in=statuses, lead_department_id=user.department_id)
    if user.role == Role.COMMAND:
        # Command can act on every in-progress case (suspend); it waits only on requests.
        return qs.filter(Q(status__in=statuses - {Status.IN_PROGRESS})
                         | Q(status=Status.IN_PROGRESS, pending_request__isnull=False))
    return qs.filter(status__in=statuses)


# What deciding a queue row reads: the transition table's role, scope and state checks
# (`performs_as`, `_state_precondition`) and `next_due`. A queue examines up to
# QUEUE_CAP cases but shows a page of them; building every candidate whole (the case
# and seven related rows) was most of the command queue's time. The rows a page shows
# are then loaded whole by `with_whole_cases`.
DECIDE_FIELDS = ("number", "status", "created_at", "check_in_due", "handle_due",
                 "feedback_at", "feedback_due", "pending_request", "rating", "rated_at",
                 "closed_at", "reporter", "lead_department", "community", "street",
                 "grid__code")


def _deciding(qs: QuerySet[Case]) -> QuerySet[Case]:
    return (qs.select_related(None).select_related("grid").only(*DECIDE_FIELDS)
            .prefetch_related("co_departments"))


def work_queue(user: User, filters: Filters, now: datetime) -> list[Row]:
    """Cases this user can move forward now, nearest deadline first.

    The rows hold cases with the deciding columns only; pass the rows to be shown
    through `with_whole_cases` before rendering them.
    """
    if filters.all:
        qs = filters.apply(case_list_for(user)).order_by("-created_at", "-id")
        cases = list(_deciding(qs)[:QUEUE_CAP])
        return [Row(c, allowed_actions_for(user, c), next_due(c), now) for c in cases]
    qs = _deciding(filters.apply(_candidates(user)))
    rows = []
    for case in qs.order_by("created_at", "id")[:QUEUE_CAP]:
        actions = allowed_actions_for(user, case)
        waiting = [a for a in actions if a in NEEDS_ACTION]
        if not waiting:
            continue
        rows.append(Row(case, waiting, next_due(case), now))
    rows.sort(key=lambda r: (r.due or FAR_FUTURE, r.case.created_at))
    return rows


def with_whole_cases(user: User, rows: list[Row]) -> list[Row]:
    """The rows with their cases loaded whole, in one query (for the page shown)."""
    whole = {c.pk: c for c in case_list_for(user).filter(pk__in=[r.case.pk for r in rows])
             .prefetch_related("co_departments")}
    for row in rows:
        row.case = whole.get(row.case.pk, row.case)
    return rows


def open_tasks_for(user: User) -> QuerySet[Task]:
    """The grid worker's open check-truth and on-site check tasks, earliest due first."""
    if user.role != Role.GRID_WORKER or not user.grid_code:
        return Task.objects.none()
    visible = case_list_for(user).values("pk")
    return (Task.objects.filter(grid_code=user.grid_code, status=TaskStatus.OPEN,
                                case__in=visible)
            .select_related("case", "case__item").order_by("due_at", "id"))


TASK_KINDS = {TaskKind.CHECK_TRUTH: "核实", TaskKind.ONSITE_CHECK: "核查"}
