from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from shaobao.api.v1 import api
from shaobao.web import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("open311/v2/", include("shaobao.api.open311.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("shaobao.web.urls")),
    # Photos are served by Shaobao itself: an intranet install has no separate file server.
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]
