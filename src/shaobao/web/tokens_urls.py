"""Settings pages for tokens, Open311 api clients and webhooks (mounted under settings/)."""

from django.urls import path

from shaobao.web import tokens_views as v

urlpatterns = [
    path("tokens/", v.tokens, name="settings_tokens"),
    path("tokens/<int:token_id>/revoke", v.token_revoke_view, name="settings_token_revoke"),
    path("api-clients/", v.api_clients, name="settings_api_clients"),
    path("api-clients/<int:client_id>/active", v.api_client_active,
         name="settings_api_client_active"),
    path("api-clients/<int:client_id>/rate-limit", v.api_client_rate,
         name="settings_api_client_rate"),
    path("webhooks/", v.webhooks, name="settings_webhooks"),
    path("webhooks/<int:webhook_id>/delete", v.webhook_delete_view,
         name="settings_webhook_delete"),
]
