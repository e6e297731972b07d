"""Forms of the pages. They parse and label input; the services decide everything else."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from shaobao.cases.models import Rating
from shaobao.catalogue.selectors import current_items
from shaobao.org.models import Department

LOCAL = ZoneInfo("Asia/Shanghai")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*",
                                                              "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def item_choices(blank: str) -> list[tuple[str, Any]]:
    """Catalogue items grouped by category, for <select> with <optgroup>."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for item in current_items().order_by("category__position", "position"):
        groups.setdefault(item.category.name, []).append((item.code, item.name))
    return [("", blank), *[(cat, items) for cat, items in groups.items()]]


def department_choices() -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in Department.objects.filter(active=True).order_by("kind",
                                                                                      "code")]


class ChoicesMixin:
    fields: dict[str, forms.Field]

    def _choices(self, name: str, choices: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class ReportForm(ChoicesMixin, forms.Form):
    item = forms.ChoiceField(label=_("问题类别"), required=False)
    description = forms.CharField(label=_("问题描述"), max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    address = forms.CharField(label=_("地址或参照物（可选）"), max_length=200, required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    photos = MultiplePhotoField(label=_("照片（可多张）"))
    anonymous = forms.BooleanField(label=_("对外匿名（工作人员仍可联系您）"), required=False)
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("item", item_choices(str(_("不确定，请工作人员分类"))))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("lat") is None or data.get("lng") is None:
            raise forms.ValidationError(_("请在地图上点选位置，或点击“使用我的位置”"))
        return data


RATING_CHOICES = [(r.value, r.label) for r in Rating]
BOOL_CHOICES = [("true", _("通过")), ("false", _("不通过（返工）"))]
APPROVE_CHOICES = [("true", _("同意")), ("false", _("不同意"))]


class ActionForm(ChoicesMixin, forms.Form):
    """Base for one lifecycle action; `payload()` builds the service's payload."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    photo_stage: str | None = None

    def payload(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "photos"}
        return {k: v for k, v in data.items() if v not in (None, "")}


class NoteForm(ActionForm):
    note = forms.CharField(label=_("备注（可选）"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class AcceptForm(NoteForm):
    item = forms.ChoiceField(label=_("清单事项"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("item", item_choices(str(_("（暂不分类）"))))


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("理由"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(NoteForm):
    target = forms.CharField(label=_("合并到案件编号"), max_length=24)


class WhistleForm(NoteForm):
    item = forms.ChoiceField(label=_("清单事项"), required=False)
    lead_department = forms.ChoiceField(label=_("牵头部门"))
    co_departments = forms.MultipleChoiceField(label=_("配合部门"), required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 6}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("item", item_choices(str(_("（保持不变）"))))
        depts = department_choices()
        self._choices("lead_department", [("", str(_("请选择"))), *depts])
        self._choices("co_departments", depts)


class ExtensionForm(ActionForm):
    until = forms.DateTimeField(label=_("延期至"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    reason = forms.CharField(label=_("理由"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def payload(self) -> dict[str, Any]:
        data = super().payload()
        until: datetime = self.cleaned_data["until"]
        data["until"] = until.astimezone(LOCAL).isoformat()
        return data


class DecideExtensionForm(NoteForm):
    approved = forms.ChoiceField(label=_("审批意见"), choices=APPROVE_CHOICES,
                                 widget=forms.RadioSelect)

    def payload(self) -> dict[str, Any]:
        data = super().payload()
        data["approved"] = self.cleaned_data["approved"] == "true"
        return data


class HandleForm(ActionForm):
    result = forms.CharField(label=_("办理结果"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultiplePhotoField(label=_("办理后照片"))
    photo_stage = "handle"


class VerifyForm(NoteForm):
    passed = forms.ChoiceField(label=_("核查结论"), choices=BOOL_CHOICES,
                               widget=forms.RadioSelect)
    photos = MultiplePhotoField(label=_("现场照片（处置后）"))
    photo_stage = "verify"

    def payload(self) -> dict[str, Any]:
        data = super().payload()
        data["passed"] = self.cleaned_data["passed"] == "true"
        return data


class EscalateForm(ReasonForm):
    level = forms.ChoiceField(label=_("会商层级"), choices=[("street", _("乡镇街道联席会")),
                                                          ("district", _("区级联席会"))])


class RateForm(ActionForm):
    rating = forms.ChoiceField(label=_("您的评价"), choices=RATING_CHOICES,
                               widget=forms.RadioSelect)
    comment = forms.CharField(label=_("评价意见（可选）"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(ActionForm):
    reason = forms.CharField(label=_("理由（可选）"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class SuperviseForm(ActionForm):
    reason = forms.CharField(label=_("督办事由"), max_length=200, required=False)


class CommentForm(ActionForm):
    text = forms.CharField(label=_("留言内容"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("对群众公开"), required=False)

    def payload(self) -> dict[str, Any]:
        data = super().payload()
        data["public"] = bool(self.cleaned_data.get("public"))
        return data


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": AcceptForm, "reject": ReasonForm, "merge": MergeForm,
    "take_in_station": AcceptForm, "whistle": WhistleForm, "check_in": NoteForm,
    "return": ReasonForm, "request_extension": ExtensionForm,
    "decide_extension": DecideExtensionForm, "suspend": ReasonForm, "resume": NoteForm,
    "handle": HandleForm, "verify": VerifyForm, "escalate": EscalateForm, "rate": RateForm,
    "reopen": ReopenForm, "supervise": SuperviseForm, "comment": CommentForm,
}


class TaskForm(forms.Form):
    found_true = forms.ChoiceField(label=_("核实结果"), widget=forms.RadioSelect,
                                   choices=[("true", _("情况属实")), ("false", _("情况不属实"))])
    note = forms.CharField(label=_("备注（可选）"), max_length=1000, required=False)
    photos = MultiplePhotoField(label=_("现场照片（处置前，可多张）"))
    photo_stage = "report"  # 核实 confirms the report: its photos show the problem before


class VisitLogForm(ChoicesMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"))
    place = forms.CharField(label=_("地点（可选）"), max_length=200, required=False)
    content = forms.CharField(label=_("走访情况"), max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from shaobao.governance.models import LogKind
        self._choices("kind", [(k.value, _(k.label)) for k in LogKind])


class VisitToCaseForm(ChoicesMixin, forms.Form):
    item = forms.ChoiceField(label=_("清单事项"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("item", item_choices(str(_("（暂不分类）"))))


class VisitResolveForm(forms.Form):
    resolution = forms.CharField(label=_("化解或整改情况"), max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 2}))


class EvaluationForm(forms.Form):
    score = forms.TypedChoiceField(label=_("评分"), coerce=int,
                                   choices=[(i, str(i)) for i in range(5, 0, -1)])
    comment = forms.CharField(label=_("评价意见（可选）"), max_length=1000, required=False)
