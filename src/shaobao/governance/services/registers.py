"""Registers: visit logs (→ cases), party-building projects, population ledgers, indicators."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from shaobao.cases.models import Channel
from shaobao.cases.services.intake import CaseCreateData, case_create
from shaobao.core.errors import Forbidden, ImportFailed, InvalidInput, NotAllowedInState, NotFound
from shaobao.geo.models import DivisionLevel, Grid
from shaobao.governance.common import division_by_code, is_district
from shaobao.governance.models import (
    CoverageGap,
    GapStatus,
    Indicator,
    IndicatorValue,
    LogKind,
    LogStatus,
    PartyProject,
    ProjectStatus,
    Roster,
    RosterEntry,
    VisitLog,
)
from shaobao.org.models import Role, User

GRID_ROLES = (Role.GRID_WORKER, Role.GRID_POLICE)


# -- visit logs (民情日志), disputes and hazards ----------------------------------------------

def visit_log_create(actor: User, *, content: str, kind: str = LogKind.VISIT, place: str = "",
                     at: datetime | None = None) -> VisitLog:
    """A grid worker or grid police officer logs a visit, dispute or hazard in their grid."""
    if actor.role not in GRID_ROLES or not actor.grid_code:
        raise Forbidden("民情日志由网格员或网格警记录")
    if kind not in LogKind.values:
        raise InvalidInput(f"kind 应为：{'、'.join(LogKind.values)}", code="bad_kind")
    if not content.strip():
        raise InvalidInput("请填写走访情况", code="missing_field", details={"field": "content"})
    grid = Grid.objects.filter(code=actor.grid_code, valid_to__isnull=True).first()
    if grid is None:
        raise InvalidInput(f"网格“{actor.grid_code}”不存在", code="unknown_grid")
    return VisitLog.objects.create(kind=kind, grid_code=grid.code, community_id=grid.community_id,
                                   author=actor, at=at or timezone.now(), place=place[:200],
                                   content=content.strip())


def _own_log(actor: User, log_id: int) -> VisitLog:
    log = VisitLog.objects.filter(pk=log_id).first()
    if log is None or not (log.author_id == actor.pk or (
            actor.role in GRID_ROLES and actor.grid_code == log.grid_code)):
        raise NotFound("日志不存在或不属于您的网格")
    return log


def visit_log_resolve(actor: User, *, log_id: int, resolution: str,
                      now: datetime | None = None) -> VisitLog:
    """Record that a dispute was settled (化解) or a hazard removed (消除)."""
    log = _own_log(actor, log_id)
    if log.status != LogStatus.OPEN:
        raise NotAllowedInState("该记录已办结或已转为案件")
    if not resolution.strip():
        raise InvalidInput("请填写化解或整改情况", code="missing_field")
    log.status, log.resolution, log.resolved_at = LogStatus.RESOLVED, resolution, (
        now or timezone.now())
    log.save()
    return log


def visit_log_to_case(actor: User, *, log_id: int, item: str | None = None,
                      now: datetime | None = None) -> VisitLog:
    """Turn a log entry into a case through the normal intake, in the log's grid."""
    log = _own_log(actor, log_id)
    if log.status != LogStatus.OPEN:
        raise NotAllowedInState("该记录已办结或已转为案件")
    with transaction.atomic():
        created = case_create(actor, now=now, data=CaseCreateData(
            description=f"【{log.get_kind_display()}】{log.content}", item=item,
            grid=log.grid_code, address=log.place, channel=Channel.GRID_WORKER))
        log.case, log.status = created.case, LogStatus.TO_CASE
        log.save()
    return log


def register_stats(*, community: str | None = None) -> dict[str, dict[str, int]]:
    """Counts per kind and status (e.g. 1700 logs, 463 disputes settled, 137 hazards removed)."""
    qs = VisitLog.objects.all()
    if community:
        qs = qs.filter(community__code=community)
    out: dict[str, dict[str, int]] = {k: {s: 0 for s in LogStatus.values} for k in LogKind.values}
    for kind, status in qs.values_list("kind", "status"):
        out[kind][status] += 1
    return out


# -- party-building projects: 年初立项 → 中期 → 年终验收 --------------------------------------

def project_propose(actor: User, *, community: str, year: int, title: str,
                    goals: str) -> PartyProject:
    place = division_by_code(community, DivisionLevel.COMMUNITY)
    if not (actor.role == Role.STATION and actor.division_id == place.pk):
        raise Forbidden("党建项目由村（社区）红领工作站申报")
    if not title.strip() or not goals.strip():
        raise InvalidInput("请填写项目名称和目标", code="missing_field")
    return PartyProject.objects.create(year=year, title=title.strip()[:200], community=place,
                                       goals=goals, proposed_by=actor)


def _project_step(actor: User, project_id: int, expected: str) -> PartyProject:
    project = PartyProject.objects.select_related("community").filter(pk=project_id).first()
    if project is None:
        raise NotFound("党建项目不存在")
    street_ok = actor.role == Role.STREET and project.community.parent_id == actor.division_id
    if not (street_ok or is_district(actor)):
        raise Forbidden("党建项目由乡镇（街道）或区里立项、评估和验收")
    if project.status != expected:
        raise NotAllowedInState(f"项目当前为“{project.get_status_display()}”，不能办理该环节")
    return project


def project_approve(actor: User, *, project_id: int, now: datetime | None = None) -> PartyProject:
    project = _project_step(actor, project_id, ProjectStatus.PROPOSED)
    project.status, project.approved_at = ProjectStatus.APPROVED, now or timezone.now()
    project.save()
    return project


def project_midterm(actor: User, *, project_id: int, note: str,
                    now: datetime | None = None) -> PartyProject:
    project = _project_step(actor, project_id, ProjectStatus.APPROVED)
    project.status, project.midterm_note = ProjectStatus.MIDTERM, note
    project.midterm_at = now or timezone.now()
    project.save()
    return project


def project_accept(actor: User, *, project_id: int, passed: bool, score: int, note: str = "",
                   now: datetime | None = None) -> PartyProject:
    """年终验收: only in or after the project's year."""
    project = _project_step(actor, project_id, ProjectStatus.MIDTERM)
    at = now or timezone.now()
    if at.year < project.year:
        raise NotAllowedInState("项目年度尚未开始，不能验收")
    if not 0 <= score <= 100:
        raise InvalidInput("验收得分应为 0～100", code="bad_score")
    project.status = ProjectStatus.ACCEPTED if passed else ProjectStatus.FAILED
    project.score, project.acceptance_note, project.accepted_at = score, note, at
    project.save()
    return project


# -- targeted-population ledgers ------------------------------------------------------------

def id_hash(id_number: str) -> str:
    return hashlib.sha256(id_number.strip().upper().encode()).hexdigest()


def roster_import(actor: User, *, name: str, kind: str, csv_text: str,
                  street: str | None = None, now: datetime | None = None) -> Roster:
    """Import a roster CSV with `id_hash` (or `id_number`, hashed here), `name`, `community`."""
    where = division_by_code(street, DivisionLevel.STREET) if street else None
    if not (is_district(actor) or (actor.role == Role.STREET and where is not None
                                   and actor.division_id == where.pk)):
        raise Forbidden("台账由乡镇（街道）或区里导入")
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    if not reader.fieldnames or not ({"id_hash", "id_number"} & set(reader.fieldnames)):
        raise ImportFailed("CSV 须有 id_hash 或 id_number 列")
    entries: dict[str, RosterEntry] = {}
    problems = []
    for n, row in enumerate(reader, start=2):
        digest = (row.get("id_hash") or "").strip().lower() or (
            id_hash(row["id_number"]) if (row.get("id_number") or "").strip() else "")
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            problems.append(f"第 {n} 行：缺少身份证号或哈希格式不正确")
            continue
        label = (row.get("name") or "").strip()
        entries[digest] = RosterEntry(id_hash=digest, label=(label[:1] + "**") if label else "",
                                      community_code=(row.get("community") or "").strip()[:12])
    if problems:
        raise ImportFailed(f"台账导入失败：{len(problems)} 行有误", details=problems[:50])
    with transaction.atomic():
        roster = Roster.objects.create(name=name[:100], kind=kind[:50], street=where,
                                       imported_by=actor, imported_at=now or timezone.now())
        for entry in entries.values():
            entry.roster = roster
        RosterEntry.objects.bulk_create(entries.values())
    return roster


def roster_match(actor: User, *, target_id: int, coverage_id: int,
                 now: datetime | None = None) -> list[CoverageGap]:
    """Flag everyone on the target roster who is missing from the coverage roster."""
    if not (is_district(actor) or actor.role == Role.STREET):
        raise Forbidden("比对由乡镇（街道）或区里进行")
    target = Roster.objects.filter(pk=target_id).first()
    coverage = Roster.objects.filter(pk=coverage_id).first()
    if target is None or coverage is None:
        raise NotFound("台账不存在")
    covered = set(coverage.entries.values_list("id_hash", flat=True))
    at = now or timezone.now()
    gaps = []
    with transaction.atomic():
        for entry in target.entries.exclude(id_hash__in=covered):
            gap, _ = CoverageGap.objects.get_or_create(target=entry, coverage=coverage,
                                                       defaults={"found_at": at})
            gaps.append(gap)
    return gaps


def coverage_gap_update(actor: User, *, gap_id: int, status: str, note: str = "",
                        now: datetime | None = None) -> CoverageGap:
    if not (is_district(actor) or actor.role in (Role.STREET, Role.STATION)):
        raise Forbidden("无权跟进覆盖缺口")
    if status not in GapStatus.values:
        raise InvalidInput(f"status 应为：{'、'.join(GapStatus.values)}", code="bad_status")
    gap = CoverageGap.objects.filter(pk=gap_id).first()
    if gap is None:
        raise NotFound("覆盖缺口不存在")
    gap.status, gap.note, gap.updated_at = status, note, now or timezone.now()
    gap.save()
    return gap


# -- indicator assessments --------------------------------------------------------------------

def indicator_value_record(actor: User, *, indicator: str, unit_code: str, unit_name: str,
                           period: str, value: float, now: datetime | None = None
                           ) -> IndicatorValue:
    if not is_district(actor):
        raise Forbidden("考核数据由区里录入")
    ind = Indicator.objects.filter(code=indicator).first()
    if ind is None:
        raise NotFound(f"指标“{indicator}”不存在")
    row, _ = IndicatorValue.objects.update_or_create(
        indicator=ind, unit_code=unit_code, period=period,
        defaults={"unit_name": unit_name, "value": value, "recorded_by": actor,
                  "recorded_at": now or timezone.now()})
    return row


def indicator_ranking(*, scheme: str, period: str) -> list[dict[str, Any]]:
    """Units ranked by weighted attainment (value ÷ target, capped at 1.2) across a scheme."""
    indicators = {i.pk: i for i in Indicator.objects.filter(scheme=scheme)}
    units: dict[str, dict[str, Any]] = {}
    for v in IndicatorValue.objects.filter(indicator_id__in=indicators, period=period):
        ind = indicators[v.indicator_id]
        unit = units.setdefault(v.unit_code, {"unit": v.unit_code, "name": v.unit_name,
                                              "score": 0.0, "values": {}})
        if ind.target:
            ratio = v.value / ind.target if ind.higher_is_better else (
                ind.target / v.value if v.value else 1.2)
            unit["score"] += ind.weight * min(max(ratio, 0.0), 1.2)
        band = sum(1 for b in ind.bands if v.value >= b)
        unit["values"][ind.code] = {"value": v.value, "target": ind.target, "band": band}
    total_weight = sum(i.weight for i in indicators.values() if i.target) or 1.0
    rows = sorted(units.values(), key=lambda u: (-u["score"], u["unit"]))
    return [{"rank": n, **u, "score": round(100 * u["score"] / total_weight, 1)}
            for n, u in enumerate(rows, start=1)]
