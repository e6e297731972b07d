"""Petitions (信访): cases with their own channels, statutory limits and restricted identities."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class PetitionStaff(models.Model):
    """A user who handles petitions for a street (or the whole district when `street` is empty).

    Only petition staff (and the convener of the petition's joint meeting) see petitioners'
    identities; everyone else with access sees them masked.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="petition_staff")
    street = models.ForeignKey("geo.Division", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="空表示全区")
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "信访工作人员"
        verbose_name_plural = "信访工作人员"
        constraints = [models.UniqueConstraint(fields=["user", "street"],
                                               name="petition_staff_once")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.street or '全区'}"


class PetitionChannel(models.TextChoices):
    VISIT = "visit", "来访"
    LETTER = "letter", "来信"
    PHONE = "phone", "来电"
    ONLINE = "online", "网上信访"


class PetitionStatus(models.TextChoices):
    REGISTERED = "registered", "待受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    ACCEPTED = "accepted", "办理中"
    CONCLUDED = "concluded", "已办结"
    REVIEWING = "reviewing", "复查中"
    REVIEWED = "reviewed", "复查办结"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Petition(models.Model):
    """A petition registered by a street's petition staff, handled via the joint meeting."""

    number = models.CharField("编号", max_length=24, unique=True)
    street = models.ForeignKey("geo.Division", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("geo.Division", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("渠道", max_length=10, choices=PetitionChannel.choices)
    petitioner_name = models.CharField("信访人", max_length=50)
    petitioner_phone = models.CharField("联系电话", max_length=20, blank=True)
    petitioner_address = models.CharField("住址", max_length=200, blank=True)
    subject = models.CharField("事由", max_length=200)
    content = models.TextField("诉求内容")
    status = models.CharField(max_length=16, choices=PetitionStatus.choices,
                              default=PetitionStatus.REGISTERED)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      related_name="+")
    registered_at = models.DateTimeField("登记时间", db_index=True)
    accept_due = models.DateTimeField("受理告知时限")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accept_note = models.TextField("受理意见", blank=True)
    conclude_due = models.DateTimeField("办结时限", null=True, blank=True)
    extension_requested = models.JSONField("延期申请", null=True, blank=True)
    extended = models.BooleanField("已延期", default=False)
    department = models.ForeignKey("org.Department", null=True, blank=True,
                                   on_delete=models.PROTECT, verbose_name="责任单位")
    meeting = models.ForeignKey("governance.Meeting", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="petitions",
                                verbose_name="信访工作联席会议")
    result = models.TextField("办理结果", blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    concluded_late = models.BooleanField("超期办结", default=False)
    satisfaction = models.CharField("满意度", max_length=24, choices=Satisfaction.choices,
                                    blank=True)
    review_reason = models.TextField("复查请求理由", blank=True)
    review_requested_at = models.DateTimeField(null=True, blank=True)
    review_result = models.TextField("复查意见", blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "信访件"
        verbose_name_plural = "信访件"
        ordering = ["-registered_at"]
        indexes = [models.Index(fields=["street", "status"])]

    def __str__(self) -> str:
        return self.number


class PetitionEvent(models.Model):
    """One step in a petition's handling. Append-only, like case events."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField()
    payload: models.JSONField[Any, Any] = models.JSONField(default=dict)

    class Meta:
        verbose_name = "信访办理记录"
        verbose_name_plural = "信访办理记录"
        ordering = ["at", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("petition events are append-only")
        super().save(*args, **kwargs)
