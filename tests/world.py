"""Shared test world: a small but real Daguan setup with known grid squares.

The world uses the packaged official divisions, departments and whistle list, plus a
few square grids in 蔡山社区 and 马山社区 with known corners so that tests can put
points inside, outside and on shared edges.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CAISHAN = "340803005001"  # 蔡山社区, the source story's community (工农小区)
MASHAN = "340803001002"  # 马山社区
STREET_JIXIAN = "340803005"
# Squares of 0.01° (about 1 km) side, WGS-84, west to east.
ORIGIN = (117.030, 30.520)
SIDE = 0.01
PASSWORD = "test-pass-123"


def square(col: int, row: int = 0) -> dict[str, Any]:
    x0, y0 = ORIGIN[0] + col * SIDE, ORIGIN[1] + row * SIDE
    ring = [[x0, y0], [x0 + SIDE, y0], [x0 + SIDE, y0 + SIDE], [x0, y0 + SIDE], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def grid_features() -> dict[str, Any]:
    cells = [(f"{CAISHAN}001", CAISHAN, 0), (f"{CAISHAN}002", CAISHAN, 1),
             (f"{MASHAN}001", MASHAN, 2)]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": square(col),
         "properties": {"code": code, "name": f"测试网格{i + 1}", "community": comm}}
        for i, (code, comm, col) in enumerate(cells)]}


def build_world(tmp: Path) -> None:
    from shaobao.demo.setup import demo_catalogue, demo_departments, demo_divisions
    from shaobao.geo.importers import grids_import
    from shaobao.geo.locate import grid_index_invalidate
    from shaobao.geo.models import Division
    from shaobao.org.models import Department, Role, User

    quiet = lambda message: None  # noqa: E731
    demo_divisions(quiet)
    demo_departments(quiet)
    demo_catalogue(quiet)
    path = tmp / "grids.geojson"
    path.write_text(json.dumps(grid_features()), encoding="utf-8")
    grids_import(path)
    grid_index_invalidate()
    hashed = make_password(PASSWORD)
    caishan = Division.objects.get(code=CAISHAN)
    mashan = Division.objects.get(code=MASHAN)
    street = Division.objects.get(code=STREET_JIXIAN)
    people = [
        ("command", Role.COMMAND, {}), ("leader", Role.LEADER, {}),
        ("station_caishan", Role.STATION, {"division": caishan}),
        ("station_mashan", Role.STATION, {"division": mashan}),
        ("street_jixian", Role.STREET, {"division": street}),
        ("dept_cgj", Role.DEPARTMENT, {"department": Department.objects.get(code="cgj")}),
        ("dept_zjj", Role.DEPARTMENT, {"department": Department.objects.get(code="zjj")}),
        ("grid_caishan1", Role.GRID_WORKER, {"division": caishan,
                                             "grid_code": f"{CAISHAN}001"}),
        ("grid_mashan1", Role.GRID_WORKER, {"division": mashan, "grid_code": f"{MASHAN}001"}),
        ("resident1", Role.RESIDENT, {"display_name": "张伟", "phone": "13800001111"}),
        ("resident2", Role.RESIDENT, {"display_name": "李娜", "phone": "13900002222"}),
    ]
    for username, role, extra in people:
        User.objects.create(username=username, role=role, password=hashed, **extra)



def inside(col: int, dx: float = 0.5, dy: float = 0.5) -> tuple[float, float]:
    """(lat, lng) of a point inside test square `col`."""
    return ORIGIN[1] + dy * SIDE, ORIGIN[0] + (col + dx) * SIDE
