"""Dual registration and dual points (双报到、双积分) for in-service party members.

A member reports in at the work unit (a department confirms) and at the home community
(its station confirms). Claiming a service post and signing in to activities earn
points in the community ledger, and — once the unit registration is done — the same
points in the unit ledger, so the member counts in both places.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from shaobao.core.errors import Forbidden, InvalidInput, NotAllowedInState, NotFound
from shaobao.geo.models import DivisionLevel
from shaobao.governance.common import department_by_code, division_by_code, month_of
from shaobao.governance.conf import governance_rule
from shaobao.governance.models import (
    ActivitySignIn,
    PartyActivity,
    PartyMember,
    PartyPointsEntry,
    Place,
    PostClaim,
    ServicePost,
    VolunteerKind,
)
from shaobao.org.models import Role, User


def _is_station_of(actor: User, community_id: int | None) -> bool:
    return actor.role == Role.STATION and community_id is not None and \
        actor.division_id == community_id


def _is_admin(actor: User) -> bool:
    return bool(actor.is_superuser) or actor.role == Role.ADMIN


def party_member_register(actor: User, *, name: str, home_community: str,
                          work_unit: str | None = None, phone: str = "",
                          kind: str = VolunteerKind.PARTY_MEMBER,
                          now: datetime | None = None) -> PartyMember:
    """Register a member; the registering side (unit or community) is confirmed at once."""
    if kind not in VolunteerKind.values:
        raise InvalidInput(f"kind 应为：{'、'.join(VolunteerKind.values)}", code="bad_kind")
    if not name.strip():
        raise InvalidInput("请填写姓名", code="missing_field", details={"field": "name"})
    community = division_by_code(home_community, DivisionLevel.COMMUNITY)
    unit = department_by_code(work_unit) if work_unit else None
    if kind == VolunteerKind.PARTY_MEMBER and unit is None:
        raise InvalidInput("在职党员须填写工作单位", code="missing_field",
                           details={"field": "work_unit"})
    by_unit = actor.role == Role.DEPARTMENT and unit is not None and \
        actor.department_id == unit.pk
    by_community = _is_station_of(actor, community.pk)
    if not (by_unit or by_community or _is_admin(actor)):
        raise Forbidden("党员由其工作单位或居住地村（社区）红领工作站登记")
    at = now or timezone.now()
    return PartyMember.objects.create(
        kind=kind, name=name.strip()[:50], phone=phone.strip()[:20], work_unit=unit,
        home_community=community, unit_registered_at=at if by_unit else None,
        community_registered_at=at if by_community else None)


def party_member_confirm(actor: User, *, member_id: int,
                         now: datetime | None = None) -> PartyMember:
    """The other side confirms the member's report-in (单位报到 or 社区报到)."""
    member = PartyMember.objects.filter(pk=member_id).first()
    if member is None:
        raise NotFound("党员不存在")
    at = now or timezone.now()
    if actor.role == Role.DEPARTMENT and member.work_unit_id is not None and \
            actor.department_id == member.work_unit_id:
        if member.unit_registered_at:
            raise NotAllowedInState("已在单位报到")
        member.unit_registered_at = at
    elif _is_station_of(actor, member.home_community_id):
        if member.community_registered_at:
            raise NotAllowedInState("已在社区报到")
        member.community_registered_at = at
    else:
        raise Forbidden("只有党员的工作单位或居住地红领工作站可以确认报到")
    member.save()
    return member


def _award(member: PartyMember, points: int, reason: str, at: datetime, community_id: int,
           activity: PartyActivity | None = None) -> list[PartyPointsEntry]:
    """Write the community entry and, when the member reported in at a unit, the unit entry."""
    rows = [PartyPointsEntry(member=member, place=Place.COMMUNITY, community_id=community_id,
                             points=points, reason=reason, activity=activity,
                             month=month_of(at), at=at)]
    if member.work_unit_id and member.unit_registered_at:
        rows.append(PartyPointsEntry(member=member, place=Place.UNIT,
                                     department_id=member.work_unit_id, points=points,
                                     reason=reason, activity=activity, month=month_of(at), at=at))
    return PartyPointsEntry.objects.bulk_create(rows)


def service_post_create(actor: User, *, community: str, title: str, description: str = "",
                        capacity: int = 5) -> ServicePost:
    place = division_by_code(community, DivisionLevel.COMMUNITY)
    if not (_is_station_of(actor, place.pk) or _is_admin(actor)):
        raise Forbidden("服务岗位由村（社区）红领工作站设置")
    if not title.strip() or capacity < 1:
        raise InvalidInput("请填写岗位名称，名额至少为 1", code="missing_field")
    return ServicePost.objects.create(community=place, title=title.strip()[:100],
                                      description=description, capacity=capacity)


def _member_actor_may(actor: User, member: PartyMember, community_id: int) -> bool:
    return (member.user_id is not None and member.user_id == actor.pk) or \
        _is_station_of(actor, community_id) or _is_admin(actor)


def post_claim(actor: User, *, post_id: int, member_id: int,
               now: datetime | None = None) -> PostClaim:
    """A member claims a service post in the community where they reported in."""
    post = ServicePost.objects.filter(pk=post_id).first()
    member = PartyMember.objects.filter(pk=member_id).first()
    if post is None or member is None:
        raise NotFound("岗位或党员不存在")
    if not _member_actor_may(actor, member, post.community_id):
        raise Forbidden("只能由党员本人或该村（社区）红领工作站认领岗位")
    if member.community_registered_at is None or member.home_community_id != post.community_id:
        raise NotAllowedInState("须先到该村（社区）报到，才能认领岗位")
    at = now or timezone.now()
    with transaction.atomic():
        ServicePost.objects.select_for_update().get(pk=post.pk)
        if post.claims.count() >= post.capacity:
            raise NotAllowedInState("该岗位名额已满")
        try:
            with transaction.atomic():
                claim = PostClaim.objects.create(post=post, member=member, at=at)
        except IntegrityError as exc:
            raise NotAllowedInState("已认领该岗位") from exc
        _award(member, governance_rule("PARTY_POST_CLAIM_POINTS"), f"认领岗位：{post.title}", at,
               post.community_id)
    return claim


def activity_create(actor: User, *, community: str, title: str, at: datetime,
                    points: int | None = None) -> PartyActivity:
    place = division_by_code(community, DivisionLevel.COMMUNITY)
    if not (_is_station_of(actor, place.pk) or _is_admin(actor)):
        raise Forbidden("服务活动由村（社区）红领工作站组织")
    if not title.strip():
        raise InvalidInput("请填写活动名称", code="missing_field")
    value = governance_rule("PARTY_ACTIVITY_POINTS") if points is None else points
    if not 0 < value <= 20:
        raise InvalidInput("活动积分应为 1～20 分", code="bad_points")
    return PartyActivity.objects.create(community=place, title=title.strip()[:200], at=at,
                                        points=value, organizer=actor)


def activity_sign_in(actor: User, *, activity_id: int, member_id: int,
                     now: datetime | None = None) -> ActivitySignIn:
    """Sign a member in to an activity; points go to both ledgers."""
    activity = PartyActivity.objects.filter(pk=activity_id).first()
    member = PartyMember.objects.filter(pk=member_id).first()
    if activity is None or member is None:
        raise NotFound("活动或党员不存在")
    if not _member_actor_may(actor, member, activity.community_id):
        raise Forbidden("只能由党员本人或活动所在红领工作站签到")
    if member.community_registered_at is None:
        raise NotAllowedInState("须先到村（社区）报到")
    at = now or timezone.now()
    try:
        with transaction.atomic():
            sign_in = ActivitySignIn.objects.create(activity=activity, member=member, at=at)
            _award(member, activity.points, f"参加活动：{activity.title}", at,
                   activity.community_id, activity)
    except IntegrityError as exc:
        raise NotAllowedInState("已签到") from exc
    return sign_in
