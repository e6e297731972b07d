"""In-service party members' dual registration and dual points (双报到、双积分)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class VolunteerKind(models.TextChoices):
    PARTY_MEMBER = "party_member", "在职党员"
    UNIT_LEADER = "unit_leader", "单元长/联防长"


class PartyMember(models.Model):
    """A member who reports in at a work unit and at the home community (双报到).

    Unit leaders (单元长) register the same way; they usually have no work unit.
    """

    kind = models.CharField(max_length=16, choices=VolunteerKind.choices,
                            default=VolunteerKind.PARTY_MEMBER)
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机号", max_length=20, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="party_member")
    work_unit = models.ForeignKey("org.Department", null=True, blank=True,
                                  on_delete=models.PROTECT, verbose_name="工作单位")
    home_community = models.ForeignKey("geo.Division", on_delete=models.PROTECT,
                                       related_name="+", verbose_name="居住地村（社区）")
    unit_registered_at = models.DateTimeField("单位报到", null=True, blank=True)
    community_registered_at = models.DateTimeField("社区报到", null=True, blank=True)
    unit_leader = models.ForeignKey("org.UnitLeader", null=True, blank=True,
                                    on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "双报到党员"
        verbose_name_plural = "双报到党员"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ServicePost(models.Model):
    """A service post a community offers for members to claim (认领岗位)."""

    community = models.ForeignKey("geo.Division", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("岗位", max_length=100)
    description = models.TextField(blank=True)
    capacity = models.PositiveIntegerField("名额", default=5)

    class Meta:
        verbose_name = "服务岗位"
        verbose_name_plural = "服务岗位"

    def __str__(self) -> str:
        return self.title


class PostClaim(models.Model):
    """A member's claim of a service post."""

    post = models.ForeignKey(ServicePost, on_delete=models.CASCADE, related_name="claims")
    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="claims")
    at = models.DateTimeField()

    class Meta:
        verbose_name = "岗位认领"
        verbose_name_plural = "岗位认领"
        constraints = [models.UniqueConstraint(fields=["post", "member"], name="claim_once")]


class PartyActivity(models.Model):
    """A service activity in a community that members sign in to."""

    community = models.ForeignKey("geo.Division", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("活动", max_length=200)
    at = models.DateTimeField("时间")
    points = models.PositiveSmallIntegerField("积分", default=2)
    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        verbose_name = "服务活动"
        verbose_name_plural = "服务活动"
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.title


class ActivitySignIn(models.Model):
    """A member's attendance at an activity (签到)."""

    activity = models.ForeignKey(PartyActivity, on_delete=models.CASCADE,
                                 related_name="sign_ins")
    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="sign_ins")
    at = models.DateTimeField()

    class Meta:
        verbose_name = "活动签到"
        verbose_name_plural = "活动签到"
        constraints = [models.UniqueConstraint(fields=["activity", "member"],
                                               name="sign_in_once")]


class Place(models.TextChoices):
    UNIT = "unit", "单位积分"
    COMMUNITY = "community", "社区积分"


class PartyPointsEntry(models.Model):
    """One row of the dual-points ledger; `place` says which of the two ledgers. Append-only."""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="points")
    place = models.CharField(max_length=10, choices=Place.choices)
    department = models.ForeignKey("org.Department", null=True, blank=True,
                                   on_delete=models.PROTECT)
    community = models.ForeignKey("geo.Division", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    points = models.IntegerField()
    reason = models.CharField(max_length=200)
    activity = models.ForeignKey(PartyActivity, null=True, blank=True, on_delete=models.PROTECT)
    month = models.CharField(max_length=7, db_index=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "双积分记录"
        verbose_name_plural = "双积分记录"
        ordering = ["at", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("party points entries are append-only")
        super().save(*args, **kwargs)
