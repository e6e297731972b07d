"""The inbox page: the signed-in user's notifications, newest first, and "mark all read".

Reads and writes only the user's own rows through `shaobao.cases.inbox`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from shaobao.cases.inbox import (
    notification_links,
    notification_list_for,
    notifications_mark_read,
)
from shaobao.web.session import signed_in_user as _user

PAGE_SIZE = 30


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unread_only = request.GET.get("unread") in ("1", "true")
    page = Paginator(notification_list_for(user, unread_only=unread_only),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    notes = list(page.object_list)
    links = notification_links(user, notes)
    rows = [{"note": n, "link": links[n.pk]} for n in notes]
    return render(request, "web/notifications.html",
                  {"page": page, "rows": rows, "unread_only": unread_only})


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    marked = notifications_mark_read(_user(request), everything=True)
    messages.success(request, ngettext("已将 %(n)d 条通知标为已读",
                                       "已将 %(n)d 条通知标为已读", marked) % {"n": marked})
    return redirect("notifications")
