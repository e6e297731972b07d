"""Pages. Thin: parse the request, call a selector or service, render."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from shaobao.cases.deadlines import case_deadlines_view
from shaobao.cases.models import OPEN_STATUSES
from shaobao.cases.selectors import case_list_for
from shaobao.org.models import Role, User


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


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    qs = case_list_for(user).filter(status__in=OPEN_STATUSES).order_by("handle_due",
                                                                     "created_at")[:50]
    now = timezone.now()
    rows = [(c, case_deadlines_view(c, now)) for c in qs]
    return render(request, "web/home.html", {"rows": rows, "role": Role(user.role).label})
