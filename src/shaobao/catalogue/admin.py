from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shaobao.catalogue.models import CatalogueVersion, Category, Item


class PublishedOnlyAdmin(admin.ModelAdmin):
    """Categories and items are viewed here, never edited: a whistle list changes only by
    publishing a new version (`shaobao import-catalogue`), so cases keep the item they had."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "is_current", "published_at"]


@admin.register(Category)
class CategoryAdmin(PublishedOnlyAdmin):
    list_display = ["code", "name", "version"]
    list_filter = ["version"]


@admin.register(Item)
class ItemAdmin(PublishedOnlyAdmin):
    list_display = ["code", "name", "category", "lead_department", "check_in_limit",
                    "check_in_kind", "handle_limit", "handle_kind", "priority", "version"]
    list_filter = ["version", "category__name", "priority"]
    search_fields = ["code", "name"]
    filter_horizontal = ["co_departments"]
