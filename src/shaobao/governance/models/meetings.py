"""Joint meetings (联席会议), monthly dispatch meetings (月调度会) and petition joint meetings."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MeetingKind(models.TextChoices):
    STREET_JOINT = "street_joint", "乡镇（街道）联席会议"
    DISTRICT_JOINT = "district_joint", "区联席会议"
    DISPATCH = "dispatch", "月调度会"
    PETITION_JOINT = "petition_joint", "信访工作联席会议"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "已安排"
    HELD = "held", "已召开"


class Meeting(models.Model):
    """A meeting convened by a street (乡镇街道) or the district to settle stuck cases."""

    kind = models.CharField("类型", max_length=16, choices=MeetingKind.choices)
    title = models.CharField("会议名称", max_length=200)
    street = models.ForeignKey("geo.Division", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="召开乡镇（街道）",
                               help_text="空表示区级会议")
    convener = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="召集人")
    scheduled_at = models.DateTimeField("时间")
    place = models.CharField("地点", max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=MeetingStatus.choices,
                              default=MeetingStatus.SCHEDULED)
    summary = models.TextField("会议纪要", blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-scheduled_at"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.TextChoices):
    INVITED = "invited", "待签到"
    PRESENT = "present", "出席"
    EXCUSED = "excused", "请假"
    ABSENT = "absent", "缺席"


class MeetingMember(models.Model):
    """A member unit invited to a meeting: a department or a community's station."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="members")
    department = models.ForeignKey("org.Department", null=True, blank=True,
                                   on_delete=models.PROTECT)
    community = models.ForeignKey("geo.Division", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    attendance = models.CharField("出席", max_length=10, choices=Attendance.choices,
                                  default=Attendance.INVITED)
    attendee = models.CharField("参会人", max_length=50, blank=True)

    class Meta:
        verbose_name = "参会单位"
        verbose_name_plural = "参会单位"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(department__isnull=False, community__isnull=True)
                           | models.Q(department__isnull=True, community__isnull=False)),
                name="member_is_department_or_community"),
            models.UniqueConstraint(fields=["meeting", "department"], name="member_dept_once"),
            models.UniqueConstraint(fields=["meeting", "community"], name="member_comm_once"),
        ]


class AgendaSource(models.TextChoices):
    ESCALATED = "escalated", "提请会商"
    PICKED = "picked", "召集人选定"


class AgendaItem(models.Model):
    """A case on a meeting's agenda."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=12, choices=AgendaSource.choices)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "会议议题"
        verbose_name_plural = "会议议题"
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "case"],
                                               name="agenda_case_once")]


class MeetingDecision(models.Model):
    """What the meeting decided on one agenda case: the four lists (四清单).

    问题 = the case, 任务 = `task`, 责任 = `department`, 时限 = `deadline`. The decision is
    carried out on the case through the lifecycle service; `event` is the event it wrote.
    """

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE,
                                    related_name="decisions")
    action = models.CharField("执行动作", max_length=24)
    task = models.TextField("任务")
    department = models.ForeignKey("org.Department", null=True, blank=True,
                                   on_delete=models.PROTECT, verbose_name="责任单位")
    deadline = models.DateTimeField("时限")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    at = models.DateTimeField()
    event = models.ForeignKey("cases.CaseEvent", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")

    class Meta:
        verbose_name = "会议决定"
        verbose_name_plural = "会议决定（四清单）"
        ordering = ["at", "id"]
