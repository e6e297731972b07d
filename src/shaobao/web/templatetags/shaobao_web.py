"""Small display helpers for the page templates."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from shaobao.cases.workflow import ACTION_LABELS, Action

register = template.Library()
LIGHT_TEXT = {"green": "正常", "yellow": "临期", "red": "超期"}


@register.filter
def action_label(action: str) -> str:
    try:
        return gettext(ACTION_LABELS[Action(action)])
    except ValueError:
        return action


@register.simple_tag
def light(state: str | None) -> Any:
    """A traffic light that does not rely on colour alone: dot plus word."""
    if not state:
        return mark_safe('<span class="muted">—</span>')
    return format_html('<span class="light {}" aria-hidden="true"></span>'
                       '<span class="light-label {}">{}</span>', state, state,
                       gettext(LIGHT_TEXT.get(state, state)))


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


PAYLOAD_LABELS = {"reason": "理由", "result": "办理结果", "note": "备注", "text": "留言",
                  "rating": "评价", "comment": "评价意见", "lead_department": "牵头部门",
                  "co_departments": "配合部门", "target": "合并到", "until": "延期至",
                  "level": "层级", "item": "事项", "passed": "核查结论", "approved": "审批",
                  "on_time": "是否按时", "channel": "来源"}
RATING_TEXT = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


@register.filter
def event_details(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """The human-readable parts of an event's payload."""
    out = []
    for key, label in PAYLOAD_LABELS.items():
        if key not in payload or payload[key] in (None, "", []):
            continue
        value = payload[key]
        if isinstance(value, bool):
            text = gettext("是") if value else gettext("否")
            if key == "passed":
                text = gettext("通过") if value else gettext("不通过（返工）")
        elif key in ("lead_department", "co_departments"):
            codes = value if isinstance(value, list) else [value]
            text = "、".join(_department_names().get(str(c), str(c)) for c in codes)
        elif key == "channel":
            text = gettext(_channel_label(str(value)))
        elif isinstance(value, list):
            text = "、".join(str(v) for v in value)
        elif key == "rating":
            text = gettext(RATING_TEXT.get(str(value), str(value)))
        else:
            text = str(value)
        out.append((gettext(label), text))
    return out


@register.filter
def role_label(role: str) -> str:
    from shaobao.org.models import Role
    try:
        return gettext(Role(role).label)
    except ValueError:
        return role


@register.filter
def status_label(status: str) -> str:
    from shaobao.cases.models import Status
    try:
        return gettext(Status(status).label)
    except ValueError:
        return status


def _department_names() -> dict[str, str]:
    from shaobao.org.models import Department
    return {code: short or name for code, name, short in
            Department.objects.values_list("code", "name", "short_name")}


def _channel_label(code: str) -> str:
    from shaobao.cases.models import Channel
    try:
        return str(Channel(code).label)
    except ValueError:
        return code
