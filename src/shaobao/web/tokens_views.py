"""Settings pages: your own API tokens; Open311 api clients and webhooks for the command
center and administrators.

Every write goes through the same services as the CLI and the REST API (`token_create`,
`token_revoke`, `client_create`, `webhook_create` …). A secret (token, api key, webhook
signing secret) is rendered only in the response to the POST that created it; it is
never stored in the session or shown again. Service errors become a message on the
page with the service's 4xx status, never a 500.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shaobao.cases.models import Status
from shaobao.cases.workflow import ACTION_LABELS, Action
from shaobao.core.errors import ShaobaoError
from shaobao.integrations.clients import (
    RATE_LIMIT_MAX,
    can_manage_clients,
    client_create_by,
    client_list,
    client_set_active,
    client_set_rate_limit,
)
from shaobao.integrations.models import Webhook, WebhookDelivery
from shaobao.integrations.webhooks import EVENT_TYPES, webhook_create, webhook_delete, webhook_list
from shaobao.org.models import TOKEN_SCOPES, ApiToken, User
from shaobao.org.services import token_create, token_revoke
from shaobao.web.session import signed_in_user as _user

DEFAULT_DAYS = 90
MAX_DAYS = 365
LAST_DELIVERIES = 5
SCOPE_LABELS = {"read": gettext_lazy("读取（read）：GET 等只读请求"),
                "write": gettext_lazy("写入（write）：上报、操作、修改等")}


def _manager(request: HttpRequest) -> User:
    user = _user(request)
    if not can_manage_clients(user):
        raise PermissionDenied(_("只有指挥中心和管理员可以访问此页面"))
    return user


def _nav(user: User) -> dict[str, Any]:
    return {"can_manage": can_manage_clients(user)}


# -- forms ---------------------------------------------------------------------------------


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("用途"), max_length=100, required=True,
                           help_text=gettext_lazy("如：数据同步脚本"))
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("权限范围"), widget=forms.CheckboxSelectMultiple,
        choices=[(s, SCOPE_LABELS[s]) for s in TOKEN_SCOPES], initial=list(TOKEN_SCOPES),
        error_messages={"required": gettext_lazy("请至少选择一种权限范围")})
    expires_days = forms.IntegerField(label=gettext_lazy("有效天数"), min_value=1, max_value=MAX_DAYS,
                                      initial=DEFAULT_DAYS,
                                      help_text=gettext_lazy("1～365 天，默认 90 天"))


class ClientForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("客户端名称"), max_length=40,
                           help_text=gettext_lazy("字母、数字、下划线、点和横线，如 hotline12345"))
    display_name = forms.CharField(label=gettext_lazy("显示名称"), max_length=50, required=False)
    rate_limit = forms.IntegerField(label=gettext_lazy("每分钟上报上限"), min_value=1,
                                    max_value=RATE_LIMIT_MAX, required=False,
                                    help_text=gettext_lazy("留空则用系统默认值"))


class RateLimitForm(forms.Form):
    rate_limit = forms.IntegerField(label=gettext_lazy("每分钟上报上限"), min_value=1,
                                    max_value=RATE_LIMIT_MAX, required=False)


def event_type_choices() -> list[tuple[str, str]]:
    actions = [str(a) for a in Action]

    def label(code: str) -> str:
        if code == "*":
            return str(_("全部事件（*）"))
        if code == "create":
            return f"create（{_('上报')}）"
        if code in actions:
            return f"{code}（{_(str(ACTION_LABELS.get(Action(code), code)))}）"
        return f"{code}（{_('进入状态')}：{_(Status(code).label)}）"

    order = ["*", "create", *actions, *Status.values]
    seen: list[str] = []
    for code in order:
        if code in EVENT_TYPES and code not in seen:
            seen.append(code)
    return [(code, label(code)) for code in seen]


class WebhookForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("推送地址"), max_length=500, assume_scheme="https",
                         help_text=gettext_lazy("http:// 或 https:// 开头的完整地址"))
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("事件类型"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一种事件类型")})
    secret = forms.CharField(label=gettext_lazy("签名密钥"), required=False, min_length=16,
                             max_length=100, help_text=gettext_lazy("16～100 个字符；留空则自动生成"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["event_types"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = event_type_choices()


# -- tokens --------------------------------------------------------------------------------


def _render_tokens(request: HttpRequest, form: TokenForm | None = None, *, status: int = 200,
                   secret: str | None = None) -> HttpResponse:
    user = _user(request)
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
    return render(request, "web/tokens/tokens.html", {
        "tokens": tokens, "form": form or TokenForm(), "secret": secret, "now": timezone.now(),
        **_nav(user)}, status=status)


@never_cache  # the answer to a create carries a secret
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_tokens(request)
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
        return _render_tokens(request, form, status=400)
    d = form.cleaned_data
    try:
        secret = token_create(_user(request), name=d["name"], scopes=d["scopes"],
                              expires_at=timezone.now() + timedelta(days=d["expires_days"]))
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        return _render_tokens(request, form, status=exc.status)
    messages.success(request, _("令牌已创建。请立即复制保存，离开本页后将无法再次查看。"))
    return _render_tokens(request, secret=secret)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = token_revoke(_user(request), token_id)
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        return _render_tokens(request, status=exc.status)
    messages.success(request, _("令牌 %(prefix)s… 已吊销") % {"prefix": token.prefix})
    return redirect("settings_tokens")


# -- Open311 api clients -------------------------------------------------------------------


def _render_clients(request: HttpRequest, form: ClientForm | None = None, *, status: int = 200,
                    key: str | None = None, key_client: str = "") -> HttpResponse:
    user = _manager(request)
    return render(request, "web/tokens/api_clients.html", {
        "clients": client_list(user), "form": form or ClientForm(), "key": key,
        "key_client": key_client, "rate_max": RATE_LIMIT_MAX, **_nav(user)}, status=status)


@never_cache  # the answer to a create carries a secret
@login_required
def api_clients(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    if request.method != "POST":
        return _render_clients(request)
    form = ClientForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
        return _render_clients(request, form, status=400)
    d = form.cleaned_data
    try:
        client, key = client_create_by(user, d["name"], rate_limit=d["rate_limit"],
                                       display_name=d["display_name"])
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        return _render_clients(request, form, status=exc.status)
    messages.success(request, _("客户端已创建。请立即复制 api_key，离开本页后将无法再次查看。"))
    return _render_clients(request, key=key, key_client=client.name)


@login_required
@require_POST
def api_client_active(request: HttpRequest, client_id: int) -> HttpResponse:
    user = _manager(request)
    active = request.POST.get("active") == "1"
    try:
        client = client_set_active(user, client_id, active)
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        return _render_clients(request, status=exc.status)
    messages.success(request, (_("客户端 %(name)s 已启用") if active else _("客户端 %(name)s 已停用"))
                     % {"name": client.name})
    return redirect("settings_api_clients")


@login_required
@require_POST
def api_client_rate(request: HttpRequest, client_id: int) -> HttpResponse:
    user = _manager(request)
    form = RateLimitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("每分钟上报上限应为 1～%(max)s 的整数，留空用系统默认值")
                       % {"max": RATE_LIMIT_MAX})
        return _render_clients(request, status=400)
    try:
        client = client_set_rate_limit(user, client_id, form.cleaned_data["rate_limit"])
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        return _render_clients(request, status=exc.status)
    messages.success(request, _("客户端 %(name)s 的上报上限已更新") % {"name": client.name})
    return redirect("settings_api_clients")


# -- webhooks ------------------------------------------------------------------------------


def _render_webhooks(request: HttpRequest, form: WebhookForm | None = None, *,
                     status: int = 200, created: Webhook | None = None) -> HttpResponse:
    user = _manager(request)
    hooks = webhook_list(user)
    recent: dict[int, list[WebhookDelivery]] = {}
    for hook in hooks:
        recent[hook.id] = list(hook.deliveries.order_by("-id")[:LAST_DELIVERIES])
    rows = [{"hook": h, "deliveries": recent[h.id]} for h in hooks]
    return render(request, "web/tokens/webhooks.html", {
        "rows": rows, "form": form or WebhookForm(), "created": created, **_nav(user)},
        status=status)


@never_cache  # the answer to a create carries a secret
@login_required
def webhooks(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    if request.method != "POST":
        return _render_webhooks(request)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
        return _render_webhooks(request, form, status=400)
    d = form.cleaned_data
    try:
        hook = webhook_create(user, url=d["url"], event_types=d["event_types"],
                              secret=d["secret"] or None)
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        return _render_webhooks(request, form, status=exc.status)
    messages.success(request, _("事件推送已登记。签名密钥只显示这一次，请妥善保存。"))
    return _render_webhooks(request, created=hook)


@login_required
@require_POST
def webhook_delete_view(request: HttpRequest, webhook_id: int) -> HttpResponse:
    user = _manager(request)
    try:
        webhook_delete(user, webhook_id)
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        return _render_webhooks(request, status=exc.status)
    messages.success(request, _("事件推送 %(id)s 已删除") % {"id": webhook_id})
    return redirect("settings_webhooks")
