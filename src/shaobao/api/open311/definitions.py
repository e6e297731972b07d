"""Services (whistle-list items) and their extra questions (Open311 service definitions).

Emergency items (priority `urgent` or an emergency-hours check-in) ask two extra
questions that the dispatcher needs at once; the answers are added to the case's
description. Other items ask nothing (`metadata: false`).
"""

from __future__ import annotations

from typing import Any

from shaobao.catalogue.models import Item, Priority, TimeKindChoice
from shaobao.core.errors import InvalidInput

YES_NO_UNKNOWN = [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"},
                  {"key": "unknown", "name": "不清楚"}]
EMERGENCY_ATTRIBUTES: list[dict[str, Any]] = [
    {"variable": False, "code": "SAFETY_TIP", "datatype": "text", "required": False,
     "datatype_description": None, "order": 1,
     "description": "紧急情况请先撤离到安全地带，并同时拨打 119 或 110。"},
    {"variable": True, "code": "PEOPLE_AT_RISK", "datatype": "singlevaluelist",
     "required": True, "datatype_description": None, "order": 2,
     "description": "现场是否有人员受伤、被困或正受到威胁？", "values": YES_NO_UNKNOWN},
    {"variable": True, "code": "REPORTER_ON_SITE", "datatype": "singlevaluelist",
     "required": False, "datatype_description": None, "order": 3,
     "description": "您现在是否在现场？", "values": YES_NO_UNKNOWN[:2]},
]


def is_emergency(item: Item) -> bool:
    return item.priority == Priority.URGENT or \
        item.check_in_kind == TimeKindChoice.EMERGENCY_HOURS


def attributes_for(item: Item) -> list[dict[str, Any]]:
    return EMERGENCY_ATTRIBUTES if is_emergency(item) else []


def service_out(item: Item) -> dict[str, Any]:
    return {"service_code": item.code, "service_name": item.name,
            "description": item.description or None,
            "metadata": bool(attributes_for(item)), "type": "realtime",
            "keywords": ",".join(str(k) for k in item.keywords or []) or None,
            "group": item.category.name}


def answers_text(item: Item, answers: dict[str, list[str]]) -> tuple[str, dict[str, Any]]:
    """Check the answers against the item's questions; return (text for the case, stored)."""
    questions = {a["code"]: a for a in attributes_for(item) if a["variable"]}
    unknown = set(answers) - set(questions)
    if unknown:
        raise InvalidInput(f"事项 {item.code} 没有这些附加问题：{'、'.join(sorted(unknown))}",
                           code="unknown_attribute")
    lines, stored = [], {}
    for code, q in sorted(questions.items(), key=lambda kv: kv[1]["order"]):
        given = [v for v in answers.get(code, []) if v != ""]
        if not given:
            if q["required"]:
                raise InvalidInput(f"请回答附加问题 {code}：{q['description']}",
                                   code="attribute_required")
            continue
        if q["datatype"] == "singlevaluelist" and len(given) > 1:
            raise InvalidInput(f"附加问题 {code} 只能选一项", code="bad_attribute")
        keys = {v["key"]: v["name"] for v in q.get("values", [])}
        if keys and any(v not in keys for v in given):
            raise InvalidInput(f"附加问题 {code} 的取值应为 {'、'.join(keys)} 之一",
                               code="bad_attribute")
        names = [keys.get(v, v) for v in given]
        stored[code] = given if q["datatype"] == "multivaluelist" else given[0]
        lines.append(f"{q['description']}{'、'.join(names)}")
    return ("\n【附加信息】" + "；".join(lines)) if lines else "", stored
