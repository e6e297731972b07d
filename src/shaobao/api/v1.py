"""REST v1: one NinjaAPI, routers per area, token or session auth, SPEC §6 error bodies."""

from __future__ import annotations

from ninja import NinjaAPI

from shaobao.api import routes_cases, routes_geo, routes_org
from shaobao.api.auth import AUTH
from shaobao.api.errors import install_error_handlers

api = NinjaAPI(
    title="哨报 Shaobao API", version="1.0", urls_namespace="api-v1",
    openapi_url="/openapi.json", docs_url="/docs",
    description="吹哨报到：案件上报、流转、时限与积分。认证：Authorization: Bearer <令牌>。",
)
install_error_handlers(api)
api.add_router("", routes_geo.router, auth=None)
api.add_router("", routes_org.router, auth=None)
api.add_router("", routes_org.secured, auth=AUTH)
api.add_router("", routes_cases.router, auth=AUTH)
