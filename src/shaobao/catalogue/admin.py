from django.contrib import admin

from shaobao.catalogue.models import CatalogueVersion, Category, Item


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "is_current", "published_at"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "version"]
    list_filter = ["version"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "lead_department", "check_in_limit",
                    "check_in_kind", "handle_limit", "handle_kind", "priority", "version"]
    list_filter = ["version", "category__name", "priority"]
    search_fields = ["code", "name"]
    filter_horizontal = ["co_departments"]
