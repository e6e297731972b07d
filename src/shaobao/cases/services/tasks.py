"""Check-truth (核实) and on-site check (核查) tasks for the grid's worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import TimeKind, deadline
from shaobao.cases.models import Case, Task, TaskKind, TaskStatus
from shaobao.core.errors import Forbidden, NotAllowedInState, NotFound
from shaobao.org.models import Role, User

TASK_LIMITS = {
    TaskKind.CHECK_TRUTH: (4.0, TimeKind.WORK_HOURS),
    TaskKind.ONSITE_CHECK: (1.0, TimeKind.WORK_DAYS),
}


def _grid_worker_id(grid_code: str) -> int | None:
    """The grid's (first) active grid worker. Plain SQL: every public report asks."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT id FROM {User._meta.db_table} WHERE role = %s AND grid_code = %s "
                    "AND is_active = %s ORDER BY id LIMIT 1", [Role.GRID_WORKER, grid_code, True])
        row = cur.fetchone()
    return int(row[0]) if row else None


def _open(case: Case, kind: TaskKind, at: datetime) -> Task:
    grid_code = case.grid.code if case.grid else ""
    limit, time_kind = TASK_LIMITS[kind]
    return Task.objects.create(case=case, kind=kind, grid_code=grid_code,
                               assignee_id=_grid_worker_id(grid_code) if grid_code else None,
                               due_at=deadline(at, limit, time_kind, work_calendar()),
                               created_at=at)


def task_open_check_truth(case: Case, at: datetime) -> Task:
    return _open(case, TaskKind.CHECK_TRUTH, at)


def task_open_onsite_check(case: Case, at: datetime) -> Task:
    return _open(case, TaskKind.ONSITE_CHECK, at)


def tasks_close_open(case: Case, kind: TaskKind, *, at: datetime, result: dict[str, Any],
                     cancelled: bool = False) -> None:
    Task.objects.filter(case=case, kind=kind, status=TaskStatus.OPEN).update(
        status=TaskStatus.CANCELLED if cancelled else TaskStatus.DONE, done_at=at, result=result)


def task_complete(actor: User, *, task_id: int, found_true: bool, note: str = "",
                  now: datetime | None = None) -> Task:
    """The grid worker reports a check-truth result (is the reported problem real?)."""
    at = now or timezone.now()
    with transaction.atomic():
        task = Task.objects.select_for_update().select_related("case").filter(pk=task_id).first()
        if task is None:
            raise NotFound("任务不存在")
        if actor.role != Role.GRID_WORKER or actor.grid_code != task.grid_code:
            raise Forbidden("只有该网格的网格员可以完成此任务")
        if task.kind != TaskKind.CHECK_TRUTH:
            raise NotAllowedInState("核查任务请通过案件的“核查”操作完成")
        if task.status != TaskStatus.OPEN:
            raise NotAllowedInState("任务已完成或已取消")
        task.status, task.done_at = TaskStatus.DONE, at
        task.result = {"found_true": found_true, "note": note}
        task.save()
    return task
