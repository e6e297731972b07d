"""Grid workers' visit logs (民情日志): list, write, settle, and turn one into a case.

Every write goes through the governance register services (`visit_log_create`,
`visit_log_resolve`, `visit_log_to_case`); their errors become messages on the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shaobao.core.errors import ShaobaoError
from shaobao.governance.models import LogStatus, VisitLog
from shaobao.governance.services.registers import (
    GRID_ROLES,
    visit_log_create,
    visit_log_resolve,
    visit_log_to_case,
)
from shaobao.org.models import User
from shaobao.web import forms as f

PAGE_SIZE = 20


def _grid_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if user.role not in GRID_ROLES or not user.grid_code:
        raise Http404(_("民情日志由网格员或网格警记录"))
    return user


@login_required
def visits(request: HttpRequest) -> HttpResponse:
    user = _grid_user(request)
    form = f.VisitLogForm()
    if request.method == "POST":
        form = f.VisitLogForm(request.POST)
        if form.is_valid():
            try:
                visit_log_create(user, **form.cleaned_data)
            except ShaobaoError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("民情日志已记录"))
                return redirect("visits")
    logs = (VisitLog.objects.filter(Q(author=user) | Q(grid_code=user.grid_code))
            .select_related("author", "case").order_by("-at", "-id"))
    page = Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page"))
    item = f.VisitToCaseForm()["item"]  # choices read once, one <select> per open log
    rows = [{"log": log, "item_select": item.as_widget(attrs={"id": f"log-{log.pk}-item"})
             if log.status == LogStatus.OPEN else ""} for log in page.object_list]
    return render(request, "web/visits.html", {"form": form, "page": page, "rows": rows},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def visit_to_case(request: HttpRequest, log_id: int) -> HttpResponse:
    user = _grid_user(request)
    form = f.VisitToCaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
        return redirect("visits")
    try:
        log = visit_log_to_case(user, log_id=log_id, item=form.cleaned_data["item"] or None)
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        return redirect("visits")
    assert log.case is not None
    messages.success(request, _("已转为案件：%(number)s") % {"number": log.case.number})
    return redirect(reverse("case", args=[log.case.number]))


@login_required
@require_POST
def visit_resolve(request: HttpRequest, log_id: int) -> HttpResponse:
    user = _grid_user(request)
    form = f.VisitResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写化解或整改情况"))
        return redirect("visits")
    try:
        visit_log_resolve(user, log_id=log_id, resolution=form.cleaned_data["resolution"])
    except ShaobaoError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已记录化解或整改情况"))
    return redirect("visits")
