"""Organisation: departments, Red-Leader Work Stations and their members, grid staff,
unit leaders, and users with a role scoped to a division or a department."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    RESIDENT = "resident", "群众"
    GRID_WORKER = "grid_worker", "网格员"
    GRID_POLICE = "grid_police", "网格警"
    UNIT_LEADER = "unit_leader", "单元长"
    STATION = "station", "红领工作站"
    STREET = "street", "乡镇街道"
    DEPARTMENT = "department", "职能部门"
    COMMAND = "command", "指挥中心"
    LEADER = "leader", "领导"
    ADMIN = "admin", "管理员"


class DepartmentKind(models.TextChoices):
    DISTRICT = "district", "区直单位"
    MUNICIPAL = "municipal", "市直单位"
    UTILITY = "utility", "公共服务企业"
    STATIONED = "stationed", "驻区单位"


class Department(models.Model):
    """A unit that receives whistled cases and is scored on them."""

    code = models.CharField("编码", max_length=16, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    name_en = models.CharField("英文名", max_length=120, blank=True)
    kind = models.CharField("类别", max_length=16, choices=DepartmentKind.choices)
    duties = models.TextField("职责", blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "职能部门"
        verbose_name_plural = "职能部门"
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    """A person with one role; `division`, `department` or `grid` say what they may see."""

    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.RESIDENT)
    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    division = models.ForeignKey(
        "geo.Division", null=True, blank=True, on_delete=models.PROTECT, verbose_name="管辖区划",
        help_text="乡镇街道、工作站、网格人员的管辖范围")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, verbose_name="所属部门")
    grid_code = models.CharField("负责网格编码", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class MemberGroup(models.Model):
    """One of the six groups station members come from (局长驻点团队, 企事业单位 …)."""

    code = models.CharField("编码", max_length=16, unique=True)
    name = models.CharField("名称", max_length=50)
    name_en = models.CharField("英文名", max_length=80, blank=True)

    class Meta:
        verbose_name = "成员类别"
        verbose_name_plural = "成员类别"

    def __str__(self) -> str:
        return self.name


class Station(models.Model):
    """A Red-Leader Work Station (红领工作站): one per village/community."""

    community = models.OneToOneField("geo.Division", on_delete=models.PROTECT,
                                     related_name="station", verbose_name="村社区")
    name = models.CharField("名称", max_length=100)
    head_name = models.CharField("站长", max_length=50, blank=True)
    head_title = models.CharField("站长职务", max_length=100, blank=True)
    deputy_name = models.CharField("副站长", max_length=50, blank=True)
    deputy_title = models.CharField("副站长职务", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)

    class Meta:
        verbose_name = "红领工作站"
        verbose_name_plural = "红领工作站"
        ordering = ["community__code"]

    def __str__(self) -> str:
        return self.name


class StationMember(models.Model):
    """A member of a station: the head of a unit stationed in the community."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="members")
    name = models.CharField("姓名", max_length=50)
    unit = models.CharField("所在单位", max_length=100)
    position = models.CharField("职务", max_length=50, blank=True)
    group = models.ForeignKey(MemberGroup, on_delete=models.PROTECT, verbose_name="类别")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "工作站成员"
        verbose_name_plural = "工作站成员"

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class GridDuty(models.TextChoices):
    WORKER = "worker", "网格员"
    POLICE = "police", "网格警"


class GridAssignment(models.Model):
    """Who serves a grid (by grid code, so the duty survives a re-cut of the polygon)."""

    grid_code = models.CharField("网格编码", max_length=20, db_index=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grid_assignments")
    duty = models.CharField("职责", max_length=8, choices=GridDuty.choices)
    since = models.DateField("起始日期")
    until = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        verbose_name = "网格人员"
        verbose_name_plural = "网格人员"


class UnitLeader(models.Model):
    """A resident elected per building or block (单元长/联防长)."""

    community = models.ForeignKey("geo.Division", on_delete=models.PROTECT)
    building = models.CharField("楼栋/片区", max_length=100)
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机号", max_length=20, blank=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    is_party_member = models.BooleanField("党员", default=False)

    class Meta:
        verbose_name = "单元长"
        verbose_name_plural = "单元长"


TOKEN_SCOPES = ("read", "write")


def default_token_scopes() -> list[str]:
    return list(TOKEN_SCOPES)


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, the secret is shown once at creation.

    Scopes: "read" allows GET/HEAD/OPTIONS, "write" every other method.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    scopes: models.JSONField[Any, Any] = models.JSONField(
        "权限范围", default=default_token_scopes, help_text='["read"] 只读，["read", "write"] 读写')

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()
