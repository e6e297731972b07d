"""Stats API (SPEC §6), its scope rules, the monthly report and audited exports."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from analytics.history import generate_history
from shaobao.analytics.audit import audit_verify
from shaobao.analytics.kpis import grade_of, rankings_for
from shaobao.analytics.models import AuditLog
from shaobao.cases.models import Case
from world import CAISHAN, MASHAN, STREET_JIXIAN

pytestmark = pytest.mark.django_db
RATES = {"response", "closure", "on_time_closure", "rework", "satisfaction", "resolution",
         "station_solved", "feedback_3d", "whistle_resolution"}
PERIOD = {"from": "2025-09-01", "to": "2026-01-31"}


@pytest.fixture
def history(db: Any) -> None:
    generate_history(n_cases=16, seed=3)


def test_kpis_shape_and_null_rates(api: Any, history: None) -> None:
    r = api("command").get("/api/v1/stats/kpis", **PERIOD)
    assert r.status_code == 200, r.content
    body = r.json()
    assert {"scope", "period", "counts", "rates", "composite", "times"} <= set(body)
    assert set(body["rates"]) >= RATES
    assert body["counts"]["submitted"] == Case.objects.count()
    # Every rate is a share except rework (failed verifications per case may exceed one).
    assert all(v is None or 0 <= v <= 1 for k, v in body["rates"].items()
               if k != "rework"), body["rates"]
    assert set(body["times"]) >= {"check_in_p50_hours", "check_in_p90_hours", "close_p50_hours",
                                  "close_p90_hours"}
    assert {"mom", "yoy"} == set(body["compare"])
    # An empty period: every rate null, composite null.
    r = api("command").get("/api/v1/stats/kpis", **{"from": "2020-01-01", "to": "2020-01-31"})
    assert r.status_code == 200
    assert all(v is None for v in r.json()["rates"].values())
    assert r.json()["composite"] is None
    # ISO datetimes are accepted too.
    r = api("leader").get("/api/v1/stats/kpis", **{"from": "2025-09-01T00:00:00+08:00",
                                                   "to": "2026-01-31T23:59:59+08:00"})
    assert r.json()["counts"] == body["counts"]


def test_kpis_scope_rules(api: Any, history: None) -> None:
    whole = api("command").get("/api/v1/stats/kpis", **PERIOD).json()["counts"]["submitted"]
    cgj = api("command").get("/api/v1/stats/kpis", department="cgj", **PERIOD).json()
    own = api("dept_cgj").get("/api/v1/stats/kpis", **PERIOD).json()
    assert own["counts"] == cgj["counts"] and own["scope"]["department"]["code"] == "cgj"
    r = api("dept_cgj").get("/api/v1/stats/kpis", department="zjj", **PERIOD)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    street = api("street_jixian").get("/api/v1/stats/kpis", **PERIOD).json()
    caishan = api("street_jixian").get("/api/v1/stats/kpis", division=CAISHAN, **PERIOD).json()
    assert caishan["counts"]["submitted"] <= street["counts"]["submitted"] <= whole
    assert street["counts"] == api("command").get(
        "/api/v1/stats/kpis", division=STREET_JIXIAN, **PERIOD).json()["counts"]
    # 马山社区 belongs to another street.
    assert api("street_jixian").get("/api/v1/stats/kpis", division=MASHAN,
                                    **PERIOD).status_code == 403
    for who in ("resident1", "grid_caishan1", "station_caishan"):
        r = api(who).get("/api/v1/stats/kpis", **PERIOD)
        assert r.status_code == 403, who
        assert set(r.json()["error"]) >= {"code", "message"}
    assert api(None).get("/api/v1/stats/kpis").status_code == 401
    assert api("command").get("/api/v1/stats/kpis", **{"from": "bad"}).status_code == 400
    assert api("command").get("/api/v1/stats/kpis", division="999").status_code == 404


def test_rankings_and_series(api: Any, history: None) -> None:
    r = api("command").get("/api/v1/stats/rankings", kind="department", month="2025-10",
                           min_sample=1)
    assert r.status_code == 200, r.content
    entries = r.json()["entries"]
    ranked = [e for e in entries if e["rank"] is not None]
    assert ranked and [e["rank"] for e in ranked] == list(range(1, len(ranked) + 1))
    assert all(e["grade"] == grade_of(e["composite"]) for e in ranked)
    scores = [e["composite"] for e in ranked]
    assert scores == sorted(scores, reverse=True)
    # The default minimum sample keeps small units out of the ranking.
    from datetime import date
    small = rankings_for("station", date(2025, 10, 1), date(2025, 10, 31), min_sample=10**6)
    assert all(e["rank"] is None and e["grade"] is None for e in small)
    assert api("command").get("/api/v1/stats/rankings", kind="bogus").status_code == 400
    mine = api("dept_cgj").get("/api/v1/stats/rankings", kind="department", month="2025-10",
                               min_sample=1).json()["entries"]
    assert all(e["code"] == "cgj" for e in mine)
    r = api("command").get("/api/v1/stats/series", interval="month", **PERIOD)
    points = r.json()["points"]
    assert [p["month"][:7] for p in points] == sorted(p["month"][:7] for p in points)
    assert sum(p["counts"]["submitted"] for p in points) == Case.objects.count()
    days = api("command").get("/api/v1/stats/series", interval="day", **PERIOD).json()["points"]
    assert sum(p["counts"]["submitted"] for p in days) == Case.objects.count()


def test_grades() -> None:
    assert [grade_of(s) for s in (95, 90, 89.99, 75, 60, 40, 39.9, None)] == \
        ["A", "A", "B", "B", "C", "D", "E", None]


def test_exports_are_scoped_and_audited(api: Any, history: None) -> None:
    r = api("command").get("/api/v1/cases/export", format="csv")
    assert r.status_code == 200, r.content
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "案件编号" and len(rows) - 1 == Case.objects.count()
    r = api("dept_cgj").get("/api/v1/cases/export", format="xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    dept_rows = ws.max_row - 1
    visible = api("dept_cgj").get("/api/v1/cases", page_size=200).json()["count"]
    assert dept_rows == visible
    assert api("resident1").get("/api/v1/cases/export").status_code == 403
    assert api("command").get("/api/v1/cases/export", format="pdf").status_code == 400
    logs = list(AuditLog.objects.order_by("id"))
    assert [(a.username, a.action, a.row_count) for a in logs] == [
        ("command", "export_csv", len(rows) - 1), ("dept_cgj", "export_xlsx", dept_rows)]
    assert audit_verify() == []


def test_monthly_report_workbook(api: Any, history: None, tmp_path: Path) -> None:
    r = api("command").get("/api/v1/stats/report", month="2025-10")
    assert r.status_code == 200, r.content
    path = tmp_path / "report.xlsx"
    path.write_bytes(r.content)
    wb = load_workbook(path)
    assert wb.sheetnames == ["指标", "部门排名", "工作站排名", "超期案件"]
    kpis = api("command").get("/api/v1/stats/kpis", **{"from": "2025-10-01",
                                                       "to": "2025-10-31"}).json()
    sheet = wb["指标"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["受理量(上报)"] == kpis["counts"]["submitted"]
    assert values["综合成绩"] == kpis["composite"]
    html = api("street_jixian").get("/api/v1/stats/report", month="2025-10", format="html")
    assert html.status_code == 200 and "部门排名" in html.content.decode()
    assert AuditLog.objects.filter(action__startswith="report_").count() == 2
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed: workbook checked with openpyxl only")
    # CSV filter options: comma, double quote, character set 76 = UTF-8 (the default is
    # the system's legacy set, which turns every Chinese character into "?").
    csv_utf8 = "csv:Text - txt - csv (StarCalc):44,34,76"
    out = subprocess.run([soffice, "--headless", "--convert-to", csv_utf8, "--outdir",
                          str(tmp_path), str(path)], capture_output=True, timeout=180,
                         check=False, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    converted = (tmp_path / "report.csv").read_text(encoding="utf-8", errors="replace")
    assert "综合成绩" in converted and str(kpis["counts"]["submitted"]) in converted
