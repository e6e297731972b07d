"""Intake: every channel creates cases through `case_create`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from shaobao.cases.deadlines import feedback_due_for
from shaobao.cases.hooks import EventContext, run_event_handlers
from shaobao.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Channel,
    IdempotencyRecord,
    Status,
)
from shaobao.cases.services.numbering import case_number_next, number_before_transaction
from shaobao.cases.services.tasks import task_open_check_truth
from shaobao.catalogue.models import Item
from shaobao.catalogue.selectors import item_current_by_code
from shaobao.core.errors import Forbidden, InvalidInput, NotFound
from shaobao.core.rules import product_rule
from shaobao.geo.crs import Crs
from shaobao.geo.locate import Location, grid_of, locate_point, parse_crs
from shaobao.geo.models import Grid
from shaobao.org.models import Role, User

MAX_DESCRIPTION = 4000
DEFAULT_CHANNEL = {
    Role.RESIDENT: Channel.RESIDENT, Role.GRID_WORKER: Channel.GRID_WORKER,
    Role.GRID_POLICE: Channel.GRID_WORKER, Role.UNIT_LEADER: Channel.UNIT_LEADER,
    Role.STATION: Channel.STATION, Role.COMMAND: Channel.HOTLINE,
}
# Reports from the public are checked on site (核实) before a station relies on them.
PUBLIC_CHANNELS = frozenset({Channel.RESIDENT, Channel.HOTLINE, Channel.API, Channel.OPEN311,
                             Channel.UNIT_LEADER})
STAFF_ROLES = frozenset({Role.STATION, Role.STREET, Role.COMMAND, Role.ADMIN, Role.GRID_WORKER,
                         Role.GRID_POLICE})


@dataclass
class CaseCreateData:
    description: str
    item: str | None = None
    lat: float | None = None
    lng: float | None = None
    crs: str | None = None
    address: str = ""
    grid: str | None = None
    channel: str | None = None
    anonymous: bool = False
    reporter_name: str = ""
    reporter_phone: str = ""


@dataclass
class CaseCreated:
    case: Case
    replayed: bool
    possible_duplicates: list[Case]


def _channel_for(actor: User, requested: str | None) -> Channel:
    if requested is None:
        return DEFAULT_CHANNEL.get(Role(actor.role), Channel.API)
    try:
        channel = Channel(requested)
    except ValueError as exc:
        raise InvalidInput(f"未知的来源渠道“{requested}”，可选：{'、'.join(Channel.values)}",
                           code="bad_channel") from exc
    if channel != DEFAULT_CHANNEL.get(Role(actor.role)) and actor.role not in STAFF_ROLES \
            and channel not in (Channel.API, Channel.OPEN311):
        raise Forbidden(f"您的角色不能以“{channel.label}”渠道登记案件")
    return channel


def _place(data: CaseCreateData) -> tuple[Grid, Location | None]:
    if data.lat is not None or data.lng is not None:
        if data.lat is None or data.lng is None:
            raise InvalidInput("经纬度需同时提供", code="bad_coordinates")
        crs: Crs = parse_crs(data.crs)
        try:
            where = locate_point(data.lat, data.lng, crs)
        except NotFound as exc:
            raise InvalidInput("上报位置不在本区任何网格内，请核对位置或改填网格",
                               code="outside_grids") from exc
        return grid_of(where), where
    if data.grid:
        grid = (_grids().filter(code=data.grid, valid_to__isnull=True).first())
        if grid is None:
            raise InvalidInput(f"网格“{data.grid}”不存在", code="unknown_grid")
        return grid, None
    raise InvalidInput("请提供位置（经纬度）或所在网格", code="location_required")


def _grids() -> QuerySet[Grid]:
    # The polygon is not needed here (the index located the point) and is costly to load.
    return Grid.objects.defer("geometry").select_related("community", "community__parent")


def _validate(data: CaseCreateData) -> None:
    text = (data.description or "").strip()
    if not text:
        raise InvalidInput("请填写问题描述", code="description_required")
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(f"问题描述不能超过 {MAX_DESCRIPTION} 字", code="description_too_long")
    phone = data.reporter_phone.strip()
    if phone and not (phone.replace("-", "").isdigit() and 5 <= len(phone) <= 20):
        raise InvalidInput("联系电话格式不正确", code="bad_phone")


def case_create(actor: User, *, data: CaseCreateData, idempotency_key: str | None = None,
                now: datetime | None = None) -> CaseCreated:
    """Register a reported problem; a repeated `idempotency_key` returns the first case."""
    if idempotency_key:
        if len(idempotency_key) > 100:
            raise InvalidInput("Idempotency-Key 不能超过 100 个字符", code="bad_idempotency_key")
        earlier = IdempotencyRecord.objects.filter(user=actor, key=idempotency_key).first()
        if earlier:
            return CaseCreated(Case.objects.get(pk=earlier.case_id), True, [])
    _validate(data)
    channel = _channel_for(actor, data.channel)
    item: Item | None = item_current_by_code(data.item) if data.item else None
    grid, where = _place(data)
    at = now or timezone.now()
    number = case_number_next(at) if number_before_transaction() else None
    try:
        with transaction.atomic():
            case = Case(
                district_code=product_rule("DISTRICT_CODE"), channel=channel, item=item,
                description=data.description.strip(), address=data.address.strip()[:200],
                lat=where.lat if where else None, lng=where.lng if where else None,
                grid=grid, community=grid.community, street=grid.community.parent,
                reporter=actor, anonymous=data.anonymous,
                reporter_name=(data.reporter_name or actor.display_name).strip()[:50],
                reporter_phone=(data.reporter_phone or actor.phone).strip()[:20],
                created_at=at, feedback_due=feedback_due_for(at))
            case.number = number or case_number_next(at)
            case.save()
            event = CaseEvent.objects.create(
                case=case, action="create", actor=actor, role=actor.role, from_status="",
                to_status=Status.SUBMITTED, at=at, payload={"channel": channel})
            if channel in PUBLIC_CHANNELS:
                task_open_check_truth(case, at)
            if idempotency_key:
                IdempotencyRecord.objects.create(user=actor, key=idempotency_key, case=case)
            # Handlers (analytics facts) see the new case in this transaction; points ignore
            # it (no facts). Last, so the shared rollup rows stay locked only until commit.
            run_event_handlers(EventContext(case, event, frozenset()))
    except IntegrityError:
        # A concurrent retry with the same key won the race: hand back its case.
        if idempotency_key:
            earlier = IdempotencyRecord.objects.filter(user=actor, key=idempotency_key).first()
            if earlier:
                return CaseCreated(Case.objects.get(pk=earlier.case_id), True, [])
        raise
    return CaseCreated(case, False, case_duplicates_of(case))


_CASES = Case._meta.db_table
_ITEMS = Item._meta.db_table


def _db_time(value: datetime) -> object:
    """A datetime as the ORM would store it (SQLite compares timestamps as text)."""
    return connection.ops.adapt_datetimefield_value(value)


def case_duplicates_of(case: Case, limit: int = 20) -> list[Case]:
    """Open cases of the same item within the configured radius and time window."""
    if case.item is None or case.lat is None or case.lng is None:
        return []
    radius = product_rule("DUPLICATE_RADIUS_M")
    window = timedelta(hours=product_rule("DUPLICATE_WINDOW_HOURS"))
    dlat = radius / 111_320
    dlng = radius / (111_320 * math.cos(math.radians(case.lat)))
    # Written out because every report with an item runs it: the ORM spent five times
    # longer building this statement than the database spent answering it. The status
    # is checked here rather than in SQL: given a status list, SQLite's planner walks the
    # (status, …) index over every open case; without one it takes the (item, created_at)
    # range, which holds only this item's reports of the window.
    nearby = Case.objects.raw(
        f"SELECT c.id, c.number, c.lat, c.lng, c.created_at, c.status FROM {_CASES} c "
        f"WHERE c.item_id IN (SELECT id FROM {_ITEMS} WHERE code = %s) "
        "AND c.created_at BETWEEN %s AND %s AND c.lat BETWEEN %s AND %s "
        "AND c.lng BETWEEN %s AND %s AND c.id <> %s ORDER BY c.created_at",
        [case.item.code, _db_time(case.created_at - window), _db_time(case.created_at + window),
         case.lat - dlat, case.lat + dlat, case.lng - dlng, case.lng + dlng, case.pk])
    found = [c for c in nearby
             if c.status in OPEN_STATUSES and c.lat is not None and c.lng is not None
             and distance_m(case.lat, case.lng, c.lat, c.lng) <= radius]
    return found[:limit]


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))
