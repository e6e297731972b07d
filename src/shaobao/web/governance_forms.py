"""Forms of the governance pages. They parse and label input; the services decide the rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shaobao.geo.models import Division, DivisionLevel
from shaobao.governance.models import (
    AdmissionList,
    MeetingKind,
    PetitionChannel,
    PushKind,
    Satisfaction,
    VolunteerKind,
)
from shaobao.web.forms import ChoicesMixin, department_choices

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
YES_NO = [("yes", _("同意")), ("no", _("不同意"))]


def datetime_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, input_formats=DATETIME_FORMATS,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                          format="%Y-%m-%dT%H:%M"))


def division_choices(level: str, parent_id: int | None = None) -> list[tuple[str, str]]:
    qs = Division.objects.filter(level=level)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    return [(d.code, d.name) for d in qs.order_by("code")]


def codes(text: str) -> list[str]:
    """Split a free list of codes or numbers (commas, spaces, 、 or new lines)."""
    for sep in "，、;；\n\r\t":
        text = text.replace(sep, ",")
    return [c.strip() for part in text.split(",") for c in part.split() if c.strip()]


class GForm(forms.Form):
    """A form whose field ids carry its class name, so several forms share a page safely."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", type(self).__name__.lower() + "-%s")
        super().__init__(*args, **kwargs)


# -- admission ------------------------------------------------------------------------------

class CertificateQueryForm(GForm):
    q = forms.CharField(label=_("证明名称"), max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("无犯罪记录证明")}))


class ApplicationForm(GForm):
    list_kind = forms.ChoiceField(label=_("申请列入"), choices=[
        (AdmissionList.DUTY.value, _("依法履职事项")),
        (AdmissionList.ASSIST.value, _("依法协助事项"))])
    title = forms.CharField(label=_("事项名称"), max_length=200)
    legal_basis = forms.CharField(label=_("法律法规依据"), max_length=300)
    effective_date = forms.DateField(label=_("拟生效日期"),
                                     widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("申请理由"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    funding = forms.CharField(label=_("经费与保障（费随事转）"), required=False, max_length=300)


class DecideApplicationForm(GForm):
    approved = forms.ChoiceField(label=_("审核意见"), widget=forms.RadioSelect,
                                 choices=[("yes", _("准入")), ("no", _("驳回"))])
    note = forms.CharField(label=_("说明（驳回时必填）"), required=False, max_length=1000)
    code = forms.CharField(label=_("事项编码（可选，默认自动编号）"), required=False, max_length=16)


class PushForm(ChoicesMixin, GForm):
    community = forms.ChoiceField(label=_("村（社区）"))
    kind = forms.ChoiceField(label=_("任务类型"), choices=[(c.value, _(c.label)) for c in PushKind])
    title = forms.CharField(label=_("任务名称"), max_length=200)
    item_code = forms.CharField(label=_("援引准入事项编码（如 XZ01）"), required=False,
                                max_length=16)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("community", division_choices(DivisionLevel.COMMUNITY))


# -- meetings -------------------------------------------------------------------------------

class MeetingForm(ChoicesMixin, GForm):
    kind = forms.ChoiceField(label=_("会议类型"), choices=[(c.value, _(c.label)) for c in MeetingKind])
    title = forms.CharField(label=_("会议名称"), max_length=200)
    scheduled_at = datetime_field(_("会议时间"))
    street = forms.ChoiceField(label=_("召开乡镇（街道）"), required=False)
    place = forms.CharField(label=_("地点"), required=False, max_length=200)
    departments = forms.MultipleChoiceField(label=_("参会部门"), required=False,
                                            widget=forms.SelectMultiple(attrs={"size": 6}))
    communities = forms.MultipleChoiceField(label=_("参会村（社区）"), required=False,
                                            widget=forms.SelectMultiple(attrs={"size": 6}))
    cases = forms.CharField(label=_("另选议题案件编号（以逗号分隔，可选）"), required=False,
                            max_length=1000)

    def __init__(self, *args: Any, street_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("street", [("", _("（区级会议或本街道）")),
                                 *division_choices(DivisionLevel.STREET)])
        self._choices("departments", department_choices())
        self._choices("communities", division_choices(DivisionLevel.COMMUNITY, street_id))


class AttendanceForm(ChoicesMixin, GForm):
    present = forms.MultipleChoiceField(label=_("出席单位"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    excused = forms.MultipleChoiceField(label=_("请假单位"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    summary = forms.CharField(label=_("会议纪要"), required=False, max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, members: Sequence[tuple[str, str]] = (),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("present", list(members))
        self._choices("excused", list(members))


class AgendaForm(GForm):
    case = forms.CharField(label=_("案件编号"), max_length=30)


class DecisionForm(ChoicesMixin, GForm):
    action = forms.ChoiceField(label=_("执行动作"), choices=[
        ("whistle", _("吹哨交办部门")), ("supervise", _("督办")), ("comment", _("留言"))])
    task = forms.CharField(label=_("任务"), max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    department = forms.ChoiceField(label=_("责任单位"), required=False)
    deadline = datetime_field(_("时限"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("department", [("", _("请选择")), *department_choices()])


# -- petitions ------------------------------------------------------------------------------

class PetitionForm(ChoicesMixin, GForm):
    street = forms.ChoiceField(label=_("乡镇（街道）"))
    community = forms.ChoiceField(label=_("村（社区）"), required=False)
    channel = forms.ChoiceField(label=_("信访渠道"), choices=[(c.value, _(c.label)) for c in PetitionChannel])
    petitioner_name = forms.CharField(label=_("信访人"), max_length=50)
    petitioner_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    petitioner_address = forms.CharField(label=_("住址"), required=False, max_length=200)
    subject = forms.CharField(label=_("事由"), max_length=200)
    content = forms.CharField(label=_("诉求内容"), max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, streets: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("street", list(streets))
        self._choices("community", [("", _("（不指定）")),
                                    *division_choices(DivisionLevel.COMMUNITY)])


class PetitionAcceptForm(GForm):
    accepted = forms.ChoiceField(label=_("是否受理"), widget=forms.RadioSelect,
                                 choices=[("yes", _("受理")), ("no", _("不予受理"))])
    note = forms.CharField(label=_("受理意见（不予受理时必填）"), required=False, max_length=1000)


class PetitionAssignForm(ChoicesMixin, GForm):
    department = forms.ChoiceField(label=_("责任单位"), required=False)
    meeting = forms.ChoiceField(label=_("信访工作联席会议"), required=False)

    def __init__(self, *args: Any, meetings: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("department", [("", _("（不变）")), *department_choices()])
        self._choices("meeting", [("", _("（不变）")), *meetings])


class PetitionReasonForm(GForm):
    reason = forms.CharField(label=_("理由"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class PetitionDecideExtensionForm(GForm):
    approved = forms.ChoiceField(label=_("审批意见"), widget=forms.RadioSelect, choices=YES_NO)


class PetitionConcludeForm(GForm):
    result = forms.CharField(label=_("办理结果（复查中时为复查意见）"), max_length=10000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class PetitionRateForm(GForm):
    satisfaction = forms.ChoiceField(label=_("满意度"), widget=forms.RadioSelect,
                                     choices=[(c.value, _(c.label)) for c in Satisfaction])


PETITION_FORMS: dict[str, type[forms.Form]] = {
    "accept": PetitionAcceptForm, "assign": PetitionAssignForm,
    "request_extension": PetitionReasonForm, "decide_extension": PetitionDecideExtensionForm,
    "conclude": PetitionConcludeForm, "rate": PetitionRateForm,
    "request_review": PetitionReasonForm,
}


# -- party ----------------------------------------------------------------------------------

class MemberForm(ChoicesMixin, GForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), required=False, max_length=20)
    kind = forms.ChoiceField(label=_("类别"), choices=[(c.value, _(c.label)) for c in VolunteerKind])
    home_community = forms.ChoiceField(label=_("居住地村（社区）"))
    work_unit = forms.ChoiceField(label=_("工作单位"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("home_community", division_choices(DivisionLevel.COMMUNITY))
        self._choices("work_unit", [("", _("（无）")), *department_choices()])


class PostForm(GForm):
    title = forms.CharField(label=_("岗位名称"), max_length=100)
    description = forms.CharField(label=_("岗位说明"), required=False, max_length=2000)
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=1000, initial=5)


class ActivityForm(GForm):
    title = forms.CharField(label=_("活动名称"), max_length=200)
    at = datetime_field(_("活动时间"))
    points = forms.IntegerField(label=_("积分（1～20，可选）"), required=False)


class MemberPickForm(ChoicesMixin, GForm):
    member = forms.ChoiceField(label=_("党员"))

    def __init__(self, *args: Any, members: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("member", list(members))
