"""REST v1: one NinjaAPI, routers per area, token or session auth, SPEC §6 error bodies."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from shaobao.api import (
    routes_cases,
    routes_geo,
    routes_hotspots,
    routes_integrations,
    routes_notifications,
    routes_org,
    routes_routing,
    routes_stats,
)
from shaobao.api.auth import AUTH
from shaobao.api.errors import error_response, install_error_handlers
from shaobao.api.routes_governance import public as governance_public
from shaobao.api.routes_governance import router as governance_router
from shaobao.api.routes_governance_registers import router as governance_registers_router
from shaobao.integrations.ratelimit import RateLimited

api = NinjaAPI(
    title="哨报 Shaobao API", version="1.0", urls_namespace="api-v1",
    openapi_url="/openapi.json", docs_url="/docs",
    description="吹哨报到：案件上报、流转、时限与积分。认证：Authorization: Bearer <令牌>。",
)
install_error_handlers(api)
api.add_router("", routes_geo.router, auth=None)
api.add_router("", routes_org.router, auth=None)
api.add_router("", routes_org.secured, auth=AUTH)
# Before the cases router: /cases/export must win over /cases/{number}.
api.add_router("", routes_stats.router, auth=AUTH)
api.add_router("", routes_hotspots.router, auth=AUTH)
api.add_router("", routes_cases.router, auth=AUTH)
api.add_router("", routes_integrations.router, auth=AUTH)
api.add_router("", routes_notifications.router, auth=AUTH)
api.add_router("", routes_routing.router, auth=None)
api.add_router("", governance_public, auth=None)
api.add_router("", governance_router, auth=AUTH)
api.add_router("", governance_registers_router, auth=AUTH)


@api.exception_handler(RateLimited)
def on_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = error_response(429, exc.code, exc.message, exc.details)
    response["Retry-After"] = str(exc.retry_after)
    return response
