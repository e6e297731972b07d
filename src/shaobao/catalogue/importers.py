"""Import the whistle list from YAML or JSON (format: docs/catalogue.md).

The file is validated as a whole; when it differs from the current version a new
version is created and made current in one transaction. Re-importing an unchanged
file does nothing, so the command is safe to run on every deploy.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from shaobao.catalogue.models import CatalogueVersion, Category, Item, Priority, TimeKindChoice
from shaobao.core.errors import ImportFailed
from shaobao.geo.importers import read_text
from shaobao.org.models import Department

KINDS = set(TimeKindChoice.values)
PRIORITIES = set(Priority.values)


def _load(path: Path | str) -> dict[str, Any]:
    text = read_text(path)
    try:
        data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ImportFailed(f"清单文件无法解析：{exc}", code="bad_format") from exc
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        raise ImportFailed("清单文件顶层必须包含 categories 列表", code="bad_format")
    return data


def _limit_problems(where: str, item: dict[str, Any], key: str) -> list[str]:
    spec = item.get(key)
    if not isinstance(spec, dict):
        return [f"{where}：缺少 {key}（形如 {{limit: 2, kind: work_hours}}）"]
    problems = []
    limit = spec.get("limit")
    if not isinstance(limit, int | float) or isinstance(limit, bool) or limit <= 0:
        problems.append(f"{where}：{key}.limit 必须是正数")
    if spec.get("kind") not in KINDS:
        problems.append(f"{where}：{key}.kind 必须是 {'/'.join(sorted(KINDS))} 之一")
    return problems


def _validate(data: dict[str, Any], departments: set[str]) -> list[str]:
    problems: list[str] = []
    item_codes: set[str] = set()
    category_codes: set[str] = set()
    for ci, cat in enumerate(data["categories"], start=1):
        if not isinstance(cat, dict) or not cat.get("code") or not cat.get("name"):
            problems.append(f"第 {ci} 个类别：缺少 code 或 name")
            continue
        if cat["code"] in category_codes:
            problems.append(f"类别 {cat['code']}：编码重复")
        category_codes.add(cat["code"])
        for ii, item in enumerate(cat.get("items") or [], start=1):
            where = f"类别 {cat['code']} 第 {ii} 个事项" + (
                f"（{item.get('code')}）" if isinstance(item, dict) and item.get("code") else "")
            if not isinstance(item, dict) or not item.get("code") or not item.get("name"):
                problems.append(f"{where}：缺少 code 或 name")
                continue
            if item["code"] in item_codes:
                problems.append(f"{where}：事项编码重复")
            item_codes.add(item["code"])
            lead = item.get("lead_department")
            if lead not in departments:
                problems.append(f"{where}：牵头部门 {lead} 不存在")
            for co in item.get("co_departments") or []:
                if co not in departments:
                    problems.append(f"{where}：配合部门 {co} 不存在")
            problems += _limit_problems(where, item, "check_in")
            problems += _limit_problems(where, item, "handle")
            if item.get("priority", "normal") not in PRIORITIES:
                problems.append(f"{where}：优先级必须是 {'/'.join(sorted(PRIORITIES))} 之一")
    if not item_codes and not problems:
        problems.append("清单中没有任何事项")
    return problems


def catalogue_import(path: Path | str) -> tuple[CatalogueVersion, bool]:
    """Import a whistle list; returns (current version, whether a new version was made)."""
    data = _load(path)
    departments = {d.code: d for d in Department.objects.all()}
    problems = _validate(data, set(departments))
    if problems:
        raise ImportFailed(f"清单文件有 {len(problems)} 处错误，未导入任何数据：", details=problems)
    content_hash = hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    with transaction.atomic():
        current = CatalogueVersion.objects.select_for_update().filter(is_current=True).first()
        if current and current.content_hash == content_hash:
            return current, False
        CatalogueVersion.objects.filter(is_current=True).update(is_current=False)
        version = CatalogueVersion.objects.create(
            name=data.get("name") or "吹哨报到工作清单", label=str(data.get("version_label") or ""),
            content_hash=content_hash, is_current=True)
        position = 0
        for cpos, cat in enumerate(data["categories"]):
            category = Category.objects.create(version=version, code=cat["code"],
                                               name=cat["name"], name_en=cat.get("name_en", ""),
                                               position=cpos)
            for item in cat.get("items") or []:
                position += 1
                row = Item.objects.create(
                    version=version, category=category, code=item["code"], name=item["name"],
                    name_en=item.get("name_en", ""), description=item.get("description", ""),
                    keywords=list(item.get("keywords") or []),
                    lead_department=departments[item["lead_department"]],
                    check_in_limit=item["check_in"]["limit"],
                    check_in_kind=item["check_in"]["kind"],
                    handle_limit=item["handle"]["limit"], handle_kind=item["handle"]["kind"],
                    priority=item.get("priority", Priority.NORMAL), position=position)
                row.co_departments.set([departments[c] for c in item.get("co_departments") or []])
    return version, True
