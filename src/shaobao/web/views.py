"""Pages. Thin: parse the request, call a selector or service, render.

Every read goes through `case_list_for` / `case_get_for`, every write through the same
services as the REST API (`case_create`, `case_transition`, `attachment_add`,
`task_complete`, `station_evaluate`). Service errors (`ShaobaoError`) become a visible
message on the page, never a 500.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shaobao.cases.deadlines import case_deadlines_view
from shaobao.cases.models import OPEN_STATUSES, Case, Status
from shaobao.cases.selectors import (
    case_follows_for,
    case_get_for,
    case_list_for,
    case_scope_filter,
    mask_name,
    sees_reporter,
)
from shaobao.cases.services.attachments import attachment_add
from shaobao.cases.services.intake import CaseCreateData, case_create
from shaobao.cases.services.tasks import task_complete
from shaobao.cases.services.transition import allowed_actions_for, case_transition
from shaobao.cases.workflow import ACTION_LABELS, Action
from shaobao.catalogue.selectors import current_items
from shaobao.core.errors import NotFound, ShaobaoError
from shaobao.org.models import Role, User
from shaobao.points.models import StationEvaluation
from shaobao.points.services import station_evaluate
from shaobao.web import forms as f
from shaobao.web.dashboard import dashboard_figures
from shaobao.web.session import signed_in_user as _user
from shaobao.web.worklist import (
    TASK_KINDS,
    Filters,
    open_tasks_for,
    with_whole_cases,
    work_queue,
)

PAGE_SIZE = 25
REPORTER_ROLES = (Role.RESIDENT, Role.UNIT_LEADER)
DASHBOARD_DENIED = (Role.RESIDENT, Role.UNIT_LEADER)
LIGHT_TEXT = {"green": "正常", "yellow": "临期", "red": "超期"}
CLOCK_NAMES = {"check_in": "报到时限", "handle": "办结时限", "feedback": "反馈时限"}


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok", "database": connection.vendor})
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


def _map_tiles() -> str:
    return os.environ.get("SHAOBAO_MAP_TILES", "")


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.role in REPORTER_ROLES:
        return redirect("my_cases")
    now = timezone.now()
    filters = Filters.from_query(request.GET)
    rows = work_queue(user, filters, now)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = with_whole_cases(user, list(page.object_list))
    tasks = list(open_tasks_for(user)[:100])
    # Hints for the rows shown only, all in one query (not one per row).
    dups = _duplicate_hints(user, [row.case for row in shown])
    return render(request, "web/home.html", {
        "page": page, "filters": filters, "statuses": Status.choices,
        "entries": [(row, dups.get(row.case.pk, [])) for row in shown],
        "items": f.item_choices("")[1:], "tasks": tasks, "task_kinds": TASK_KINDS,
        "query": _query_without_page(request),
        "total": len(rows)})


@login_required
def report(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        form = f.ReportForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                created = case_create(user, data=CaseCreateData(
                    description=d["description"], item=d["item"] or None, lat=d["lat"],
                    lng=d["lng"], crs="wgs84", address=d["address"],
                    anonymous=d["anonymous"]), idempotency_key=d["idempotency_key"] or None)
            except ShaobaoError as exc:
                form.add_error(None, exc.message)
            else:
                number = created.case.number
                failed = _attach(request, user, number, d["photos"], "report")
                if not created.replayed:
                    messages.success(request, _("上报成功，案件编号：%(number)s") % {"number": number})
                if failed:
                    messages.warning(request, failed)
                return redirect(reverse("report_done", args=[number]))
    else:
        form = f.ReportForm(initial={"idempotency_key": uuid.uuid4().hex})
    return render(request, "web/report.html", {"form": form, "tiles": _map_tiles()})


@login_required
def report_done(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(_user(request), number)
    return render(request, "web/report_done.html", {"case": case})


def _attach(request: HttpRequest, user: User, number: str, photos: list[Any],
            stage: str) -> str:
    """Add the photos; returns an error message for the ones refused ('' if none)."""
    problems = []
    for photo in photos:
        try:
            attachment_add(user, number=number, upload=photo, stage=stage)
        except ShaobaoError as exc:
            problems.append(f"{photo.name}：{exc.message}")
    return "；".join(problems)


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    qs = case_list_for(user).filter(reporter=user).order_by("-created_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for case in page.object_list:
        can_rate = Action.RATE in allowed_actions_for(user, case)
        form = f.RateForm(prefix="rate", initial={"version": case.version}) if can_rate else None
        rows.append({"case": case, "deadlines": case_deadlines_view(case, now),
                     "rate_form": form})
    # Followed cases: the reduced view only (no description, photos, address, reporter).
    follows = [{"follow": fl, "deadlines": case_deadlines_view(fl.case, now)}
               for fl in case_follows_for(user)[:50]]
    return render(request, "web/my.html", {"page": page, "rows": rows, "follows": follows,
                                           "light_text": LIGHT_TEXT})


# Statuses from which a case can still be merged into another (the station's decision).
MERGEABLE = (Status.SUBMITTED, Status.ACCEPTED)


def _duplicate_hints(user: User, cases: list[Case]) -> dict[int, list[tuple[Case, float]]]:
    """Possible duplicates of the mergeable cases among those the viewer may open."""
    from shaobao.routing.duplicates import similar_for_cases

    if user.role in REPORTER_ROLES:
        return {}
    mergeable = [c for c in cases if c.status in MERGEABLE]
    return similar_for_cases(mergeable, scope=case_scope_filter(user)) if mergeable else {}


def _case_or_404(user: User, number: str) -> Case:
    try:
        return case_get_for(user, number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


ITEM_ACTIONS = ("accept", "take_in_station", "whistle")


def _suggestions(case: Case, actions: list[str]) -> list[dict[str, Any]]:
    """Router suggestions for an unclassified case whose viewer may classify it."""
    if case.item_id or not any(a in ITEM_ACTIONS for a in actions):
        return []
    from shaobao.routing.training import router_suggest  # loads scikit-learn lazily
    current = {i.code: i for i in current_items().select_related("lead_department")
               .prefetch_related("co_departments")}
    rows = []
    for s in router_suggest(case.description):
        item = current.get(s["item"])
        if item is not None:
            rows.append({**s, "percent": round(s["confidence"] * 100), "obj": item})
    return rows


def _action_form(action: str, case: Case, data: Any = None, files: Any = None,
                 suggested: Any = None, duplicate: Case | None = None) -> f.ActionForm:
    """`suggested`: the router's item for an unclassified case, prefilled (never forced);
    `duplicate`: the best possible duplicate, prefilled as the merge target."""
    cls = f.ACTION_FORMS[action]
    initial: dict[str, Any] = {"version": case.version}
    if action == "merge" and duplicate is not None:
        initial["target"] = duplicate.number
    item = case.item or suggested
    if action in ITEM_ACTIONS and item:
        initial["item"] = item.code
    if action == "whistle" and item:
        initial["lead_department"] = item.lead_department.code
        initial["co_departments"] = [d.code for d in item.co_departments.all()]
    return cls(data, files, prefix=action, initial=initial)


@login_required
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    case = _case_or_404(user, number)
    return _render_case(request, user, case)


def _render_case(request: HttpRequest, user: User, case: Case,
                 bound: tuple[str, f.ActionForm] | None = None, status: int = 200) -> HttpResponse:
    now = timezone.now()
    events = case.events.select_related("actor").order_by("at", "id")
    if user.role in REPORTER_ROLES:
        events = events.filter(public=True)
    actions = allowed_actions_for(user, case)
    suggestions = _suggestions(case, actions)
    top = suggestions[0]["obj"] if suggestions else None
    duplicates = _duplicate_hints(user, [case]).get(case.pk, [])
    forms_ = []
    for action in actions:
        form = (bound[1] if bound and bound[0] == action
                else _action_form(action, case, suggested=top,
                                  duplicate=duplicates[0][0] if duplicates else None))
        forms_.append({"action": action, "label": ACTION_LABELS[Action(action)], "form": form,
                       "open": bool(bound and bound[0] == action),
                       "suggestions": suggestions if action in ITEM_ACTIONS else []})
    dl = case_deadlines_view(case, now)
    clocks = [{"name": CLOCK_NAMES[name], "due": getattr(case, f"{name}_due"),
               "light": light, "text": LIGHT_TEXT[light]}
              for name, light in dl["lights"].items()]
    visible = sees_reporter(user, case)
    reporter = (_("匿名") if case.anonymous and not visible else
                case.reporter_name if visible else mask_name(case.reporter_name))
    can_evaluate = (user.role == Role.STATION and user.division_id == case.community_id
                    and case.lead_department_id is not None and case.whistled_at is not None
                    and case.status == Status.CLOSED
                    and not StationEvaluation.objects.filter(
                        case=case, department_id=case.lead_department_id).exists())
    items = {i.code: {"lead": i.lead_department.code,
                      "co": [d.code for d in i.co_departments.all()]} for i in current_items()}
    return render(request, "web/case.html", {
        "case": case, "events": events, "forms": forms_, "clocks": clocks,
        "duplicates": [{"case": c, "percent": round(score * 100)} for c, score in duplicates],
        "deadlines": dl, "reporter": reporter,
        "attachments": case.attachments.order_by("id"),
        "co_departments": case.co_departments.all(), "tiles": _map_tiles(),
        "evaluation_form": f.EvaluationForm() if can_evaluate else None,
        "items_json": items, "is_open": case.status in OPEN_STATUSES,
        "light_text": LIGHT_TEXT,
        "tasks": case.tasks.order_by("id") if user.role not in REPORTER_ROLES else []},
        status=status)


@login_required
@require_POST
def case_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    user = _user(request)
    case = _case_or_404(user, number)
    if action not in f.ACTION_FORMS:
        raise Http404(_("未知操作"))
    form = _action_form(action, case, request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
        return _render_case(request, user, case, (action, form), status=400)
    try:
        updated = case_transition(user, number, action, form.payload())
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        case = _case_or_404(user, number)  # show the current state, not the stale one
        return _render_case(request, user, case, status=exc.status)
    label = ACTION_LABELS[Action(action)]
    messages.success(request, _("已%(action)s，案件状态：%(status)s") % {
        "action": label, "status": Status(updated.status).label})
    if action == Action.RATE and updated.status != Status.CLOSED:  # reopened by rule
        messages.info(request, _("您对处理结果不满意，案件已重新交办，处理后将请您再次评价。"))
    if form.photo_stage:
        failed = _attach(request, user, number, form.cleaned_data.get("photos") or [],
                         form.photo_stage)
        if failed:
            messages.warning(request, failed)
    nxt = request.POST.get("next", "")
    if nxt in ("/my", "/"):
        return redirect(nxt)
    return redirect(reverse("case", args=[number]))


@login_required
@require_POST
def case_evaluate(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    case = _case_or_404(user, number)
    form = f.EvaluationForm(request.POST)
    if form.is_valid():
        try:
            station_evaluate(user, case=case, score=form.cleaned_data["score"],
                             comment=form.cleaned_data["comment"])
        except ShaobaoError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已评价承办部门"))
    else:
        messages.error(request, _("请选择 1～5 分"))
    return redirect(reverse("case", args=[number]))


@login_required
@require_POST
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    user = _user(request)
    form = f.TaskForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs)
                       if "found_true" not in form.errors else _("请选择核实结果"))
        return redirect("home")
    try:
        task = task_complete(user, task_id=task_id,
                             found_true=form.cleaned_data["found_true"] == "true",
                             note=form.cleaned_data["note"])
    except ShaobaoError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("核实结果已提交：%(number)s") % {"number": task.case.number})
        failed = _attach(request, user, task.case.number, form.cleaned_data["photos"],
                         f.TaskForm.photo_stage)
        if failed:
            messages.warning(request, failed)
    return redirect("home")


def _dashboard_user(request: HttpRequest) -> User:
    user = _user(request)
    if user.role in DASHBOARD_DENIED:
        raise Http404(_("指挥大屏仅对工作人员开放"))
    return user


@login_required
def command(request: HttpRequest) -> HttpResponse:
    user = _dashboard_user(request)
    figures = dashboard_figures(user, timezone.now(), with_map=False, with_candidates=True)
    return render(request, "web/command.html", {"fig": figures, "tiles": _map_tiles()})


@login_required
def command_data(request: HttpRequest) -> JsonResponse:
    user = _dashboard_user(request)
    return JsonResponse(dashboard_figures(user, timezone.now()),
                        json_dumps_params={"ensure_ascii": False})
