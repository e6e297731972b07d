"""Cases: intake, lists, detail, lifecycle actions, events, attachments, tasks, appeals."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile

from shaobao.api.case_search import CaseSearch, case_search_apply
from shaobao.api.paging import page_objects
from shaobao.api.presenters import case_out, event_out
from shaobao.api.routes_org import user_of
from shaobao.api.schemas import (
    ActionIn,
    AppealDecideIn,
    AppealIn,
    AttachmentOut,
    CaseCreateIn,
    CaseOut,
    CasePageOut,
    ErrorOut,
    EvaluationIn,
    EventOut,
    TaskCompleteIn,
    TaskOut,
)
from shaobao.cases.models import Task, TaskStatus
from shaobao.cases.selectors import case_get_for, case_list_for
from shaobao.cases.services.attachments import attachment_add
from shaobao.cases.services.intake import CaseCreateData, case_create
from shaobao.cases.services.tasks import task_complete
from shaobao.cases.services.transition import case_transition
from shaobao.core.errors import InvalidInput
from shaobao.integrations.ratelimit import hit, limit_of
from shaobao.points.services import appeal_decide, appeal_file, station_evaluate

router = Router(tags=["案件"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
SORTS = {"created_at", "-created_at", "handle_due", "-handle_due", "updated_at", "-updated_at"}


@router.post("/cases", response={201: CaseOut, 200: CaseOut, 429: ErrorOut, **ERRORS},
             summary="上报案件",
             description="重复提交时请带相同的 Idempotency-Key 头：返回首次创建的案件（200），不会重复立案。")
def create_case(request: HttpRequest, body: CaseCreateIn) -> tuple[int, dict[str, Any]]:
    user = user_of(request)
    hit("intake", str(user.pk), limit_of("INTAKE_PER_MIN", 30))
    created = case_create(user, data=CaseCreateData(**body.dict()),
                          idempotency_key=request.headers.get("Idempotency-Key"))
    # A case just registered has no co-departments yet: no need to ask the database.
    out = case_out(created.case, user, timezone.now(),
                   co_codes=None if created.replayed else [])
    out["possible_duplicates"] = [c.number for c in created.possible_duplicates]
    return (200 if created.replayed else 201), out


class CaseFilter(CaseSearch):
    sort: str = "-created_at"
    page: int = 1
    page_size: int = 20


@router.get("/cases", response={200: CasePageOut, 400: ErrorOut}, summary="案件列表")
def list_cases(request: HttpRequest, f: Query[CaseFilter]) -> dict[str, Any]:
    user = user_of(request)
    qs = case_search_apply(case_list_for(user), f)
    if f.sort not in SORTS:
        raise InvalidInput(f"sort 必须是 {'、'.join(sorted(SORTS))} 之一")
    count, cases = page_objects(qs.order_by(f.sort, "-id").prefetch_related("co_departments"),
                                f.page, f.page_size)
    now = timezone.now()
    return {"count": count, "page": f.page, "page_size": f.page_size,
            "results": [case_out(c, user, now) for c in cases]}


@router.get("/cases/{number}", response={200: CaseOut, 404: ErrorOut}, summary="案件详情")
def get_case(request: HttpRequest, number: str) -> dict[str, Any]:
    user = user_of(request)
    return case_out(case_get_for(user, number), user, timezone.now())


@router.post("/cases/{number}/actions/{action}", response={200: CaseOut, **ERRORS},
             summary="执行流转操作",
             description="操作见 docs/workflow.md；409 表示版本已过期，403 表示无权，422 表示当前状态不允许。")
def act(request: HttpRequest, number: str, action: str, body: ActionIn) -> dict[str, Any]:
    user = user_of(request)
    # The schema documents and checks `version`; the action's own fields vary, so they
    # are taken from the (already JSON-validated) body as sent.
    payload = json.loads(request.body)
    if not isinstance(payload, dict):
        raise InvalidInput("请求体必须是 JSON 对象")
    case = case_transition(user, number, action, payload)
    return case_out(case, user, timezone.now())


@router.get("/cases/{number}/events", response={200: list[EventOut], 404: ErrorOut},
            summary="案件事件记录")
def events(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    user = user_of(request)
    case = case_get_for(user, number)
    qs = case.events.select_related("actor").order_by("at", "id")
    if user.role in ("resident", "unit_leader"):
        qs = qs.filter(public=True)
    return [event_out(e, case.number) for e in qs]


@router.post("/cases/{number}/attachments", response={201: AttachmentOut, **ERRORS},
             summary="上传照片（multipart 字段 file）")
def upload(request: HttpRequest, number: str, file: File[UploadedFile],
           stage: Form[str] = "report") -> tuple[int, dict[str, Any]]:
    a = attachment_add(user_of(request), number=number, upload=file, stage=stage)
    return 201, {"id": a.id, "url": a.file.url, "content_type": a.content_type, "size": a.size,
                 "stage": a.stage, "sha256": a.sha256}


@router.get("/cases/{number}/attachments", response={200: list[AttachmentOut], 404: ErrorOut},
            summary="案件照片")
def attachments(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    case = case_get_for(user_of(request), number)
    return [{"id": a.id, "url": a.file.url, "content_type": a.content_type, "size": a.size,
             "stage": a.stage, "sha256": a.sha256} for a in case.attachments.order_by("id")]


@router.post("/cases/{number}/evaluation", response={201: dict[str, Any], **ERRORS},
             summary="工作站评价承办部门（1～5 分）")
def evaluate(request: HttpRequest, number: str, body: EvaluationIn) -> tuple[int, dict[str, Any]]:
    user = user_of(request)
    ev = station_evaluate(user, case=case_get_for(user, number), score=body.score,
                          comment=body.comment)
    return 201, {"case": number, "department": ev.department.code, "score": ev.score}


@router.get("/tasks", response=list[TaskOut], summary="我的核实、核查任务")
def my_tasks(request: HttpRequest, status: str = TaskStatus.OPEN) -> list[dict[str, Any]]:
    user = user_of(request)
    qs = Task.objects.select_related("case").filter(status=status)
    qs = qs.filter(grid_code=user.grid_code) if user.grid_code else qs.filter(
        case__in=case_list_for(user))
    return [{"id": t.id, "case": t.case.number, "kind": t.kind, "status": t.status,
             "grid": t.grid_code, "due_at": t.due_at.isoformat() if t.due_at else None}
            for t in qs.order_by("due_at")[:500]]


@router.post("/tasks/{task_id}/complete", response={200: TaskOut, **ERRORS},
             summary="完成核实任务")
def complete_task(request: HttpRequest, task_id: int, body: TaskCompleteIn) -> dict[str, Any]:
    t = task_complete(user_of(request), task_id=task_id, found_true=body.found_true,
                      note=body.note)
    return {"id": t.id, "case": t.case.number, "kind": t.kind, "status": t.status,
            "grid": t.grid_code, "due_at": t.due_at.isoformat() if t.due_at else None}


@router.post("/points/{entry_id}/appeal", response={201: dict[str, Any], **ERRORS},
             summary="对扣分申诉")
def appeal(request: HttpRequest, entry_id: int, body: AppealIn) -> tuple[int, dict[str, Any]]:
    a = appeal_file(user_of(request), entry_id=entry_id, reason=body.reason)
    return 201, {"id": a.id, "status": a.status}


@router.post("/appeals/{appeal_id}/decide", response={200: dict[str, Any], **ERRORS},
             summary="裁定申诉")
def decide(request: HttpRequest, appeal_id: int, body: AppealDecideIn) -> dict[str, Any]:
    a = appeal_decide(user_of(request), appeal_id=appeal_id, upheld=body.upheld, note=body.note)
    return {"id": a.id, "status": a.status}


