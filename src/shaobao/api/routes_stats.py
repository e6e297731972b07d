"""Indicators, rankings, series, monthly reports and case exports (analytics app)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Query, Router
from ninja.params import functions as P

from shaobao.analytics.audit import audit_record
from shaobao.analytics.kpis import kpis_for, month_end, rankings_for, series_for
from shaobao.analytics.reports import (
    ReportSpec,
    export_csv,
    export_rows,
    export_xlsx,
    report_html,
    report_workbook,
)
from shaobao.analytics.selectors import parse_month, parse_period, stats_scope_for
from shaobao.api.case_search import CaseSearch, case_search_apply
from shaobao.api.routes_org import user_of
from shaobao.api.schemas import ErrorOut
from shaobao.cases.models import Case
from shaobao.cases.selectors import case_list_for
from shaobao.core.errors import Forbidden, InvalidInput
from shaobao.org.models import Role

router = Router(tags=["统计与报表"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/stats/kpis", response={200: dict[str, Any], **ERRORS}, summary="考核指标",
            description="SPEC §5 全部指标：按上报日期（北京时间）统计区间内的案件，结果截至当前。"
                        "rates 取值 0..1，分母为 0 时为 null；times 为工作时。")
def kpis(request: HttpRequest, from_: str | None = P.Query(None, alias="from"),
         to: str | None = None, division: str | None = None, department: str | None = None,
         item: str | None = None) -> dict[str, Any]:
    user = user_of(request)
    frm, end = parse_period(from_, to)
    scope, described = stats_scope_for(user, division=division, department=department,
                                       item=item)
    result = kpis_for(scope, frm, end, times=True, compare=True)
    return {"scope": described, **result}


@router.get("/stats/rankings", response={200: dict[str, Any], **ERRORS}, summary="部门与工作站排名",
            description="按综合成绩排序；样本不足（默认少于 5 件）的单位不排名、不评等级。")
def rankings(request: HttpRequest, kind: str = "department", month: str | None = None,
             min_sample: int | None = None) -> dict[str, Any]:
    user = user_of(request)
    if kind not in ("department", "station"):
        raise InvalidInput("kind 应为 department 或 station", code="bad_kind")
    first = parse_month(month)
    scope, _ = stats_scope_for(user)
    entries = rankings_for(kind, first, month_end(first), district_code=scope.district_code,
                           min_sample=min_sample)
    if user.role == Role.DEPARTMENT and not user.is_superuser:
        own = user.department.code if user.department else None
        entries = [e for e in entries if kind == "department" and e["code"] == own]
    elif user.role == Role.STREET and not user.is_superuser:
        from shaobao.geo.models import Division

        mine = set(Division.objects.filter(parent_id=user.division_id)
                   .values_list("code", flat=True))
        entries = [e for e in entries if kind == "station" and e["code"] in mine]
    return {"kind": kind, "month": first.strftime("%Y-%m"), "entries": entries}


@router.get("/stats/series", response={200: dict[str, Any], **ERRORS}, summary="指标时间序列")
def series(request: HttpRequest, from_: str | None = P.Query(None, alias="from"),
           to: str | None = None, division: str | None = None, department: str | None = None,
           item: str | None = None, interval: str = "day") -> dict[str, Any]:
    user = user_of(request)
    if interval not in ("day", "month"):
        raise InvalidInput("interval 应为 day 或 month", code="bad_interval")
    frm, end = parse_period(from_, to)
    if interval == "day" and end - frm > timedelta(days=800):
        raise InvalidInput("按日序列最长 800 天，请改用 interval=month", code="bad_period")
    scope, described = stats_scope_for(user, division=division, department=department,
                                       item=item)
    return {"scope": described, "period": {"from": frm.isoformat(), "to": end.isoformat()},
            "interval": interval, "points": series_for(scope, frm, end, interval)}


@router.get("/stats/report", response={200: None, **ERRORS}, summary="月度报表（Excel 或打印页）",
            description="format=xlsx（默认，工作表：指标、部门排名、工作站排名、超期案件）或 html。")
def report(request: HttpRequest, month: str | None = None, division: str | None = None,
           department: str | None = None, format: str = "xlsx") -> HttpResponse:
    user = user_of(request)
    if format not in ("xlsx", "html"):
        raise InvalidInput("format 应为 xlsx 或 html", code="bad_format")
    first = parse_month(month)
    scope, described = stats_scope_for(user, division=division, department=department)
    name = (described.get("department") or described.get("division") or {}).get("name") \
        if isinstance(described.get("department") or described.get("division"), dict) else None
    title = f"{name or '全区'} {first.strftime('%Y年%m月')} 吹哨报到考核月报"
    spec = ReportSpec(first, scope, title, scope.district_code or "")
    params = {"month": first.strftime("%Y-%m"), "division": division, "department": department,
              "format": format}
    if format == "html":
        html = report_html(spec)
        audit_record(user, "report_html", title, params, 0)
        return HttpResponse(html, content_type="text/html; charset=utf-8")
    body, data = report_workbook(spec)
    audit_record(user, "report_xlsx", title, params, len(data["overdue"]))
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="report-{params["month"]}.xlsx"'
    return response


class ExportFilter(CaseSearch):
    format: str = "csv"


def _export_queryset(request: HttpRequest, f: ExportFilter) -> QuerySet[Case]:
    user = user_of(request)
    if user.role in (Role.RESIDENT, Role.UNIT_LEADER) and not user.is_superuser:
        raise Forbidden("您的角色无权导出案件")
    qs = case_search_apply(case_list_for(user), f)
    return qs.order_by("-created_at", "-id")


@router.get("/cases/export", response={200: None, **ERRORS}, summary="导出案件列表（CSV/Excel）",
            description="与案件列表相同的筛选条件与可见范围；每次导出记入审计日志。")
def export(request: HttpRequest, f: Query[ExportFilter]) -> HttpResponse | StreamingHttpResponse:
    if f.format not in ("csv", "xlsx"):
        raise InvalidInput("format 应为 csv 或 xlsx", code="bad_format")
    qs = _export_queryset(request, f)
    count = qs.count()
    params = {k: v for k, v in f.dict().items() if v is not None}
    audit_record(user_of(request), f"export_{f.format}", "cases", params, count)
    if f.format == "csv":
        response = StreamingHttpResponse(export_csv(export_rows(qs)),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="cases.csv"'
        return response
    xresponse = HttpResponse(export_xlsx(export_rows(qs)), content_type=XLSX)
    xresponse["Content-Disposition"] = 'attachment; filename="cases.xlsx"'
    return xresponse
