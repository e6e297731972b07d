"""Monthly report workbooks, the printable page, and case-list exports (CSV / Excel)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook

from shaobao.analytics.kpis import RATE_NAMES, Scope, kpis_for, month_end, rankings_for
from shaobao.analytics.models import FLAGS
from shaobao.cases.models import OPEN_STATUSES, Case, Rating, Status

COUNT_LABELS = {
    "submitted": "受理量(上报)", "accepted": "已受理", "rejected": "不予受理", "merged": "已合并",
    "due_to_close": "应结案", "whistled": "吹哨", "checked_in": "已报到",
    "checked_in_on_time": "按时报到", "closed": "已结案", "closed_on_time": "按期结案",
    "overdue_open": "超期未结", "reworked": "返工次数", "rated": "已评价", "satisfied": "满意",
    "basically_satisfied": "基本满意", "unsatisfied": "不满意", "resolved": "群众确认解决",
    "station_solved": "站内解决", "whistle_closed": "吹哨已结案", "feedback_3d": "3日内反馈",
    "rated_closed": "已结案且已评价",
}
RATE_LABELS = {
    "response": "响应率", "closure": "结案率", "on_time_closure": "按期结案率", "rework": "返工率",
    "satisfaction": "满意率", "resolution": "解决率", "station_solved": "站内解决率",
    "feedback_3d": "3日反馈率", "whistle_resolution": "吹哨化解率", "rated_share": "评价率",
}
EXPORT_COLUMNS = [("number", "案件编号"), ("status", "状态"), ("created_at", "上报时间"),
                  ("street", "街道"), ("community", "社区"), ("grid", "网格"), ("item", "事项"),
                  ("lead_department", "主办部门"), ("channel", "来源"), ("closed_at", "结案时间"),
                  ("rating", "评价"), ("overdue", "超期"), ("description", "问题描述")]


@dataclass
class ReportSpec:
    month: date  # first day
    scope: Scope
    title: str
    district_code: str


def _fmt_rate(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def report_data(spec: ReportSpec) -> dict[str, Any]:
    frm, to = spec.month, month_end(spec.month)
    k = kpis_for(spec.scope, frm, to, times=True, compare=True)
    depts = rankings_for("department", frm, to, district_code=spec.district_code)
    stations = rankings_for("station", frm, to, district_code=spec.district_code)
    if spec.scope.department_id is not None:
        from shaobao.org.models import Department

        own = Department.objects.filter(pk=spec.scope.department_id).values_list("code",
                                                                                 flat=True)
        depts = [d for d in depts if d["code"] in set(own)]
        stations = []
    elif spec.scope.street_id is not None:
        from shaobao.geo.models import Division

        mine = set(Division.objects.filter(parent_id=spec.scope.street_id)
                   .values_list("code", flat=True))
        stations = [s for s in stations if s["code"] in mine]
    return {"spec": spec, "kpis": k, "departments": depts, "stations": stations,
            "overdue": list(overdue_cases(spec.scope)[:5000])}


def overdue_cases(scope: Scope) -> QuerySet[Case]:
    qs = Case.objects.filter(overdue=True, status__in=OPEN_STATUSES)
    if scope.district_code:
        qs = qs.filter(district_code=scope.district_code)
    if scope.street_id is not None:
        qs = qs.filter(street_id=scope.street_id)
    if scope.community_id is not None:
        qs = qs.filter(community_id=scope.community_id)
    if scope.department_id is not None:
        qs = qs.filter(lead_department_id=scope.department_id)
    if scope.item_code:
        qs = qs.filter(item__code=scope.item_code)
    return qs.select_related("item", "street", "community", "lead_department").order_by(
        "handle_due", "id")


def report_workbook(spec: ReportSpec) -> tuple[bytes, dict[str, Any]]:
    data = report_data(spec)
    k = data["kpis"]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "指标"
    ws.append([spec.title])
    ws.append(["统计月份", spec.month.strftime("%Y-%m"), "口径", "当月上报案件，结果截至导出时"])
    ws.append([])
    ws.append(["指标", "本期", "环比上期", "同比去年"])
    mom, yoy = k["compare"]["mom"], k["compare"]["yoy"]
    for name in RATE_NAMES:
        ws.append([RATE_LABELS[name], _fmt_rate(k["rates"][name]),
                   _fmt_rate(mom["rates"][name]), _fmt_rate(yoy["rates"][name])])
    ws.append(["综合成绩", k["composite"], mom["composite"], yoy["composite"]])
    ws.append(["等级", k["grade"]])
    ws.append([])
    ws.append(["计数", "本期"])
    for f in FLAGS:
        ws.append([COUNT_LABELS[f], k["counts"][f]])
    ws.append([])
    for name, value in k["times"].items():
        if name != "unit":
            ws.append([f"{name}（工作时）", value])
    for title, rows in (("部门排名", data["departments"]), ("工作站排名", data["stations"])):
        sheet = wb.create_sheet(title)
        sheet.append(["名次", "编码", "名称", "样本(案件)", "综合成绩", "等级", "响应率", "解决率",
                      "满意率", "按期结案率"])
        for e in rows:
            r = e["rates"]
            sheet.append([e["rank"], e["code"], e["name"], e["sample"], e["composite"],
                          e["grade"] or "样本不足", _fmt_rate(r["response"]),
                          _fmt_rate(r["resolution"]), _fmt_rate(r["satisfaction"]),
                          _fmt_rate(r["on_time_closure"])])
    sheet = wb.create_sheet("超期案件")
    sheet.append(["案件编号", "状态", "事项", "主办部门", "街道", "社区", "报到时限", "办结时限",
                  "督办等级"])
    for c in data["overdue"]:
        sheet.append([c.number, Status(c.status).label, c.item.name if c.item else "",
                      c.lead_department.short_name or c.lead_department.name
                      if c.lead_department else "",
                      c.street.name if c.street else "", c.community.name if c.community else "",
                      _local(c.check_in_due), _local(c.handle_due), c.supervision_level])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), data


def report_html(spec: ReportSpec) -> str:
    data = report_data(spec)
    k = data["kpis"]
    rates = [(RATE_LABELS[n], k["rates"][n], k["compare"]["mom"]["rates"][n],
              k["compare"]["yoy"]["rates"][n]) for n in RATE_NAMES]
    return render_to_string("analytics/monthly_report.html", {
        "spec": spec, "k": k, "rates": rates, "departments": data["departments"],
        "stations": data["stations"], "overdue": data["overdue"],
        "counts": [(COUNT_LABELS[f], k["counts"][f]) for f in FLAGS],
        "generated": timezone.localtime().strftime("%Y-%m-%d %H:%M")})


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def export_rows(qs: QuerySet[Case]) -> Iterator[list[Any]]:
    ratings = dict(Rating.choices)
    statuses = dict(Status.choices)
    values = qs.values_list("number", "status", "created_at", "street__name", "community__name",
                            "grid__code", "item__code", "lead_department__code", "channel",
                            "closed_at", "rating", "overdue", "description")
    for row in values.iterator(chunk_size=5000):
        (number, status, created, street, community, grid, item, dept, channel, closed, rating,
         overdue, description) = row
        yield [number, statuses.get(status, status), _local(created), street or "",
               community or "", grid or "", item or "", dept or "", channel, _local(closed),
               ratings.get(rating, ""), "是" if overdue else "否", description]


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv(rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV lines (UTF-8 with BOM so Excel opens Chinese text correctly)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([label for _, label in EXPORT_COLUMNS])
    for row in rows:
        yield writer.writerow(row)


def export_xlsx(rows: Iterable[list[Any]]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("案件")
    ws.append([label for _, label in EXPORT_COLUMNS])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
