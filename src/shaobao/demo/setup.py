"""Builds the Daguan demo: divisions, grids, departments, stations, whistle list, accounts.

Every step is idempotent (it checks what is already there), so `shaobao demo` run twice
does no work twice. Data goes through the same importers an operator would use.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from shapely.geometry import mapping

from shaobao.catalogue.importers import catalogue_import
from shaobao.core.demo_names import person_name
from shaobao.demo import gridgen
from shaobao.geo.importers import divisions_import, grids_import
from shaobao.geo.models import Division, DivisionLevel, Grid
from shaobao.org.models import (
    Department,
    GridAssignment,
    GridDuty,
    MemberGroup,
    Role,
    Station,
    StationMember,
    User,
)

DEMO_PASSWORD = "shaobao-demo"
DATA = resources.files("shaobao.demo") / "data"
Progress = Callable[[str], None]


def data_path(name: str) -> Path:
    return Path(str(DATA / name))


def demo_divisions(progress: Progress) -> None:
    result = divisions_import(data_path("daguan_divisions.csv"))
    progress(f"区划：{result}")


def demo_grids(progress: Progress) -> None:
    if Grid.objects.exists():
        progress("网格：已存在，跳过")
        return
    rows = gridgen.communities_from_csv(data_path("daguan_divisions.csv"))
    grids = gridgen.generate_grids(gridgen.load_outline(data_path("daguan_outline.geojson")),
                                   [(code, street) for code, _, street in rows],
                                   names={code: name for code, name, _ in rows})
    features = [{"type": "Feature", "geometry": mapping(g.geometry),
                 "properties": {"code": g.code, "name": g.name, "community": g.community_code}}
                for g in grids]
    with tempfile.NamedTemporaryFile("w", suffix=".geojson", delete=False,
                                     encoding="utf-8") as fh:
        json.dump({"type": "FeatureCollection", "features": features}, fh, ensure_ascii=False)
    try:
        result = grids_import(fh.name, valid_from=timezone.localdate().replace(month=1, day=1))
    finally:
        Path(fh.name).unlink()
    progress(f"网格：{result}")


def demo_departments(progress: Progress) -> None:
    data: dict[str, Any] = yaml.safe_load(data_path("departments.yaml").read_text("utf-8"))
    created = 0
    for d in data["departments"]:
        _, was_created = Department.objects.update_or_create(
            code=d["code"], defaults={"name": d["name"], "short_name": d.get("short_name", ""),
                                      "name_en": d.get("name_en", ""), "kind": d["kind"],
                                      "duties": d.get("duties", "")})
        created += was_created
    for g in data.get("groups", []):
        MemberGroup.objects.update_or_create(code=g["code"], defaults={
            "name": g["name"], "name_en": g.get("name_en", "")})
    progress(f"部门：{len(data['departments'])} 个（新增 {created}）")


def demo_catalogue(progress: Progress) -> None:
    version, created = catalogue_import(data_path("catalogue.yaml"))
    progress(f"吹哨清单：{version}（{'已导入' if created else '未变化'}）")


def demo_stations(progress: Progress) -> None:
    if Station.objects.exists():
        progress("红领工作站：已存在，跳过")
        return
    groups = list(MemberGroup.objects.order_by("code"))
    departments = list(Department.objects.order_by("code"))
    with transaction.atomic():
        for n, community in enumerate(Division.objects.filter(
                level=DivisionLevel.COMMUNITY).order_by("code")):
            station = Station.objects.create(
                community=community, name=f"{community.display_name}红领工作站",
                head_name=person_name(n * 11 + 1), head_title="区直单位县级干部",
                deputy_name=person_name(n * 11 + 2), deputy_title="村（社区）党组织书记")
            members = []
            for m in range(7):
                dept = departments[(n * 7 + m) % len(departments)]
                members.append(StationMember(
                    station=station, name=person_name(n * 11 + m + 3), unit=dept.name,
                    position="驻点负责人", group=groups[m % len(groups)], department=dept))
            StationMember.objects.bulk_create(members)
    progress(f"红领工作站：{Station.objects.count()} 个，成员 {StationMember.objects.count()} 人")


def demo_accounts(progress: Progress) -> list[tuple[str, str]]:
    """Create the demo accounts of SPEC §6; returns (username, description) rows."""
    hashed = make_password(DEMO_PASSWORD)  # one hash for all: hashing 700 times takes minutes
    wanted: list[User] = [
        User(username="admin", role=Role.ADMIN, display_name="系统管理员", is_staff=True,
             is_superuser=True),
        User(username="command", role=Role.COMMAND, display_name="区指挥中心值班员"),
        User(username="leader", role=Role.LEADER, display_name="区领导"),
    ]
    for n, street in enumerate(Division.objects.filter(level=DivisionLevel.STREET)):
        wanted.append(User(username=f"street_{street.code}", role=Role.STREET,
                           division=street, display_name=person_name(500 + n)))
    for n, community in enumerate(Division.objects.filter(level=DivisionLevel.COMMUNITY)):
        wanted.append(User(username=f"station_{community.code}", role=Role.STATION,
                           division=community, display_name=person_name(600 + n)))
    for n, dept in enumerate(Department.objects.all()):
        wanted.append(User(username=f"dept_{dept.code}", role=Role.DEPARTMENT, department=dept,
                           display_name=person_name(700 + n)))
    for n, grid in enumerate(Grid.objects.filter(valid_to__isnull=True).select_related(
            "community")):
        wanted.append(User(username=f"grid_{grid.code}", role=Role.GRID_WORKER,
                           division=grid.community, grid_code=grid.code,
                           display_name=person_name(1000 + n), phone=f"139{n:08d}"))
        wanted.append(User(username=f"police_{grid.code}", role=Role.GRID_POLICE,
                           division=grid.community, grid_code=grid.code,
                           display_name=person_name(2000 + n)))
    for i in range(1, 21):
        wanted.append(User(username=f"resident{i}", role=Role.RESIDENT,
                           display_name=person_name(3000 + i), phone=f"138{i:08d}"))
    existing = set(User.objects.values_list("username", flat=True))
    new = [u for u in wanted if u.username not in existing]
    for u in new:
        u.password = hashed
    with transaction.atomic():
        User.objects.bulk_create(new)
        today = timezone.localdate()
        GridAssignment.objects.bulk_create([
            GridAssignment(grid_code=u.grid_code, user=u, since=today,
                           duty=GridDuty.WORKER if u.role == Role.GRID_WORKER else GridDuty.POLICE)
            for u in User.objects.filter(username__in=[n.username for n in new if n.grid_code])])
    progress(f"账号：共 {len(wanted)} 个（新增 {len(new)}），密码均为 {DEMO_PASSWORD}")
    return [(u.username, f"{Role(u.role).label} {u.display_name}") for u in wanted]


def demo_prepare(progress: Progress) -> list[tuple[str, str]]:
    demo_divisions(progress)
    demo_grids(progress)
    demo_departments(progress)
    demo_catalogue(progress)
    demo_stations(progress)
    return demo_accounts(progress)
