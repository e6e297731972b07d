from django.contrib import admin

from shaobao.integrations.models import ApiClient, Open311Request, Webhook, WebhookDelivery


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "active", "rate_limit", "created_at")
    readonly_fields = ("key_prefix", "key_digest", "user", "created_at")


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("url", "active", "owner", "created_at")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("uuid", "webhook", "event_type", "state", "attempt", "status_code",
                    "next_attempt_at", "delivered_at")
    list_filter = ("state",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    list_display = ("case", "client", "account_id", "created_at")
