"""Outside systems: Open311 clients (api keys), webhooks and their delivery log."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.db import models


class ApiClient(models.Model):
    """An outside system (12345 hotline, an app) that posts requests with an api_key.

    Only the SHA-256 of the key is stored; the key is printed once at creation.
    Requests it posts are reported by its own service user (`open311_<name>`).
    """

    name = models.CharField("名称", max_length=50, unique=True)
    key_prefix = models.CharField(max_length=12, blank=True)
    key_digest = models.CharField(max_length=64, unique=True)
    scopes: models.JSONField[Any, Any] = models.JSONField(
        "权限范围", default=list, help_text='如 ["open311:post"]')
    rate_limit = models.PositiveIntegerField("每分钟上报上限", null=True, blank=True,
                                             help_text="留空则用系统默认值")
    active = models.BooleanField("启用", default=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="api_client", verbose_name="服务账号")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "接口客户端"
        verbose_name_plural = "接口客户端"

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class Open311Request(models.Model):
    """What an Open311 POST carried beyond a case: contact ids, attributes, media_url."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE,
                                related_name="open311")
    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="requests")
    attributes: models.JSONField[Any, Any] = models.JSONField(default=dict)
    media_url = models.URLField(max_length=500, blank=True)
    email = models.CharField(max_length=100, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Open311 上报"
        verbose_name_plural = "Open311 上报"


class Webhook(models.Model):
    """A subscriber URL and the case events it wants (`*` for all)."""

    url = models.URLField("地址", max_length=500)
    event_types: models.JSONField[Any, Any] = models.JSONField("事件类型", default=list)
    secret = models.CharField("签名密钥", max_length=100)
    active = models.BooleanField("启用", default=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="webhooks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "事件推送"
        verbose_name_plural = "事件推送"

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", "待发送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "已放弃"


class WebhookDelivery(models.Model):
    """One event for one webhook, with the outcome of its latest attempt."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("cases.CaseEvent", on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=24)
    payload: models.JSONField[Any, Any] = models.JSONField()
    state = models.CharField(max_length=12, choices=DeliveryState.choices,
                             default=DeliveryState.PENDING, db_index=True)
    attempt = models.PositiveSmallIntegerField("已尝试次数", default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-id"]
