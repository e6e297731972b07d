"""Governance pages: admission lists, meetings, petitions, dual registration, registers.

Thin like `web/views.py`: every write goes through a governance service (the same ones the
REST API calls), every permission is the service's; a `ShaobaoError` becomes a visible
message with its 4xx status, never a 500. Reads use the governance selectors and the
services' scoped querysets (`meeting_list_for`, `petition_list_for`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shaobao.core.errors import InvalidInput, NotFound, ShaobaoError
from shaobao.geo.models import Division, DivisionLevel
from shaobao.governance import selectors as sel
from shaobao.governance.common import LOCAL, is_district
from shaobao.governance.models import (
    AdmissionApplication,
    AdmissionList,
    Indicator,
    Meeting,
    MeetingKind,
    PartyActivity,
    PartyMember,
    PartyProject,
    Petition,
    PetitionStatus,
    Place,
    PushOutcome,
    Roster,
    ServicePost,
    TaskPush,
)
from shaobao.governance.services import admission as adm
from shaobao.governance.services import meetings as mt
from shaobao.governance.services import party as pa
from shaobao.governance.services import petitions as pt
from shaobao.governance.services.registers import indicator_ranking
from shaobao.org.models import Role, User
from shaobao.web import governance_forms as gf
from shaobao.web.session import signed_in_user as _user

NOT_STAFF = (Role.RESIDENT, Role.UNIT_LEADER)
CONVENER_ROLES = (Role.STREET, Role.COMMAND, Role.LEADER, Role.ADMIN)
STATS_DENIED = (Role.RESIDENT, Role.GRID_WORKER, Role.GRID_POLICE, Role.UNIT_LEADER)


def _staff(request: HttpRequest) -> User:
    """Governance pages are for staff; residents and unit leaders get 403."""
    user = _user(request)
    if user.role in NOT_STAFF and not user.is_superuser:
        raise PermissionDenied(_("该页面仅对工作人员开放"))
    return user


def _month(request: HttpRequest) -> str:
    month = request.GET.get("month") or timezone.now().astimezone(LOCAL).strftime("%Y-%m")
    return month


def _run(request: HttpRequest, call: Callable[[], Any], success: str,
         rerender: Callable[[int], HttpResponse], to: str) -> HttpResponse:
    """Call a service; on success flash `success` and redirect, else show the error."""
    try:
        call()
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        return rerender(exc.status)
    messages.success(request, success)
    return redirect(to)


def _invalid(request: HttpRequest, rerender: Callable[[int], HttpResponse]) -> HttpResponse:
    messages.error(request, _("请检查填写的内容"))
    return rerender(400)


# -- admission ------------------------------------------------------------------------------

def certificates(request: HttpRequest) -> HttpResponse:
    """Public: does a community need to issue this certificate? No login needed."""
    form = gf.CertificateQueryForm(request.GET or None)
    result: dict[str, Any] | None = None
    status = 200
    if request.GET:
        if form.is_valid():
            matches = sel.certificate_matches(form.cleaned_data["q"])
            result = {"query": form.cleaned_data["q"], "must_not_issue": bool(matches),
                      "matches": matches}
        else:
            status = 400
    items = sel.admission_items_list(list_kind=AdmissionList.NO_CERTIFICATE)
    return render(request, "web/governance/certificates.html",
                  {"form": form, "result": result, "items": items}, status=status)


def _pushes_for(user: User) -> Any:
    qs = TaskPush.objects.select_related("department", "community", "item")
    if adm.can_see_all_pushes(user):
        return qs
    if user.role == Role.DEPARTMENT and user.department_id is not None:
        return qs.filter(department_id=user.department_id)
    if user.role == Role.STATION and user.division_id:
        return qs.filter(community_id=user.division_id)
    if user.role == Role.STREET and user.division_id:
        return qs.filter(community__parent_id=user.division_id)
    return qs.none()


def _applications_for(user: User) -> Any:
    qs = AdmissionApplication.objects.select_related("department", "item")
    if adm.is_admission_authority(user) or is_district(user):
        return qs
    if user.role == Role.DEPARTMENT and user.department_id is not None:
        return qs.filter(department_id=user.department_id)
    return qs.none()


def _admission_page(request: HttpRequest, status: int = 200, *,
                    application_form: gf.ApplicationForm | None = None,
                    push_form: gf.PushForm | None = None) -> HttpResponse:
    user = _staff(request)
    q = request.GET.get("q", "").strip()
    chosen = request.GET.get("list", "")
    lists = []
    for kind, label in AdmissionList.choices:
        if chosen and chosen != kind:
            continue
        items = sel.admission_items_list(list_kind=kind)
        if q:
            items = items.filter(Q(title__icontains=q) | Q(code__icontains=q)
                                 | Q(legal_basis__icontains=q) | Q(keywords__icontains=q))
        lists.append({"kind": kind, "label": label, "items": list(items)})
    is_department = user.role == Role.DEPARTMENT and user.department_id is not None
    authority = adm.is_admission_authority(user)
    applications = list(_applications_for(user)[:200])
    pending = [a for a in applications if a.status in adm.OPEN_APPLICATION] if authority else []
    stats = None
    if user.role not in STATS_DENIED:
        dept = user.department if is_department else None
        try:
            stats = sel.push_stats(month=request.GET.get("month") or None, department=dept)
        except ShaobaoError as exc:
            messages.error(request, exc.message)
            status = exc.status
            stats = []
    return render(request, "web/governance/admission.html", {
        "lists": lists, "q": q, "chosen": chosen, "list_choices": AdmissionList.choices,
        "is_department": is_department, "authority": authority,
        "applications": applications, "pending": pending,
        "decide_form": gf.DecideApplicationForm(),
        "application_form": application_form or (gf.ApplicationForm() if is_department else None),
        "push_form": push_form or (gf.PushForm() if is_department else None),
        "pushes": list(_pushes_for(user)[:100]), "stats": stats,
        "month": request.GET.get("month", "")}, status=status)


@login_required
def admission(request: HttpRequest) -> HttpResponse:
    return _admission_page(request)


@login_required
@require_POST
def admission_apply(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = gf.ApplicationForm(request.POST)

    def again(status: int) -> HttpResponse:
        return _admission_page(request, status, application_form=form)

    if not form.is_valid():
        return _invalid(request, again)
    d = form.cleaned_data
    return _run(request, lambda: adm.admission_application_submit(
        user, list_kind=d["list_kind"], title=d["title"], legal_basis=d["legal_basis"],
        effective_date=d["effective_date"], reason=d["reason"], funding=d["funding"]),
        _("已提交准入申请：%(title)s") % {"title": d["title"]}, again, reverse("gov:admission"))


@login_required
@require_POST
def admission_review(request: HttpRequest, application_id: int) -> HttpResponse:
    user = _staff(request)
    return _run(request, lambda: adm.admission_application_review(
        user, application_id=application_id), _("已开始审核"),
        lambda status: _admission_page(request, status), reverse("gov:admission"))


@login_required
@require_POST
def admission_decide(request: HttpRequest, application_id: int) -> HttpResponse:
    user = _staff(request)
    form = gf.DecideApplicationForm(request.POST)

    def again(status: int) -> HttpResponse:
        return _admission_page(request, status)

    if not form.is_valid():
        return _invalid(request, again)
    d = form.cleaned_data
    approved = d["approved"] == "yes"
    return _run(request, lambda: adm.admission_application_decide(
        user, application_id=application_id, approved=approved, note=d["note"],
        code=d["code"] or None), _("已准入") if approved else _("已驳回"), again,
        reverse("gov:admission"))


@login_required
@require_POST
def admission_push(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = gf.PushForm(request.POST)

    def again(status: int) -> HttpResponse:
        return _admission_page(request, status, push_form=form)

    if not form.is_valid():
        return _invalid(request, again)
    d = form.cleaned_data
    try:
        push = adm.community_task_push(user, community=d["community"], kind=d["kind"],
                                       title=d["title"], item_code=d["item_code"] or None)
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        return again(exc.status)
    if push.outcome == PushOutcome.REFUSED:
        messages.error(request, _("任务被拒绝下派：%(reason)s") % {"reason": push.reason})
        return again(422)
    messages.success(request, _("任务准予下派：%(reason)s") % {"reason": push.reason})
    return redirect("gov:admission")


# -- meetings -------------------------------------------------------------------------------

def _may_convene(user: User) -> bool:
    return user.is_superuser or user.role in CONVENER_ROLES


def _meetings_page(request: HttpRequest, status: int = 200,
                   form: gf.MeetingForm | None = None) -> HttpResponse:
    user = _staff(request)
    meetings = mt.meeting_list_for(user)
    kind = request.GET.get("kind", "")
    if kind:
        meetings = meetings.filter(kind=kind)
    month = _month(request)
    absences: list[dict[str, Any]] | None = None
    if is_district(user) or user.role in (Role.STREET, Role.STATION, Role.DEPARTMENT):
        try:
            absences = sel.meeting_absences_by_department(month)
        except ShaobaoError as exc:
            messages.error(request, exc.message)
            status, absences = exc.status, []
        if user.role == Role.DEPARTMENT and user.department:
            code = user.department.code
            absences = [r for r in absences if r["department"] == code]
    street_id = user.division_id if user.role == Role.STREET else None
    if form is None and _may_convene(user):
        form = gf.MeetingForm(street_id=street_id)
    return render(request, "web/governance/meetings.html", {
        "meetings": meetings[:200], "kinds": MeetingKind.choices, "kind": kind,
        "form": form, "absences": absences, "month": month}, status=status)


@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    return _meetings_page(request)


@login_required
@require_POST
def meeting_new(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    street_id = user.division_id if user.role == Role.STREET else None
    form = gf.MeetingForm(request.POST, street_id=street_id)

    def again(status: int) -> HttpResponse:
        return _meetings_page(request, status, form)

    if not form.is_valid():
        return _invalid(request, again)
    d = form.cleaned_data
    try:
        meeting = mt.meeting_schedule(
            user, kind=d["kind"], title=d["title"], scheduled_at=d["scheduled_at"],
            street=d["street"] or None, place=d["place"], departments=d["departments"],
            communities=d["communities"], cases=gf.codes(d["cases"]))
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        return again(exc.status)
    messages.success(request, _("会议已安排，议题 %(n)s 件") % {"n": meeting.agenda.count()})
    return redirect("gov:meeting", meeting_id=meeting.pk)


def _meeting_or_404(user: User, meeting_id: int) -> Meeting:
    try:
        return mt.meeting_get_for(user, meeting_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _member_choices(meeting: Meeting) -> list[tuple[str, str]]:
    out = []
    for m in meeting.members.select_related("department", "community"):
        unit = m.department or m.community
        if unit is not None:
            out.append((unit.code, unit.name))
    return out


def _meeting_page(request: HttpRequest, meeting_id: int, status: int = 200,
                  bound: tuple[str, Any] | None = None) -> HttpResponse:
    user = _staff(request)
    meeting = _meeting_or_404(user, meeting_id)
    is_convener = meeting.convener_id == user.pk
    members = list(meeting.members.select_related("department", "community"))
    agenda = []
    for item in meeting.agenda.select_related("case").prefetch_related("decisions__department"):
        form = None
        if is_convener:
            key = f"decision-{item.case.number}"
            form = bound[1] if bound and bound[0] == key else gf.DecisionForm(
                prefix=key, initial={"department": item.case.lead_department.code
                                     if item.case.lead_department else ""})
        agenda.append({"item": item, "case": item.case, "decisions": list(item.decisions.all()),
                       "form": form})
    attendance_form = agenda_form = None
    if is_convener:
        present = [(m.department or m.community).code  # type: ignore[union-attr]
                   for m in members if m.attendance == "present"]
        excused = [(m.department or m.community).code  # type: ignore[union-attr]
                   for m in members if m.attendance == "excused"]
        attendance_form = bound[1] if bound and bound[0] == "attendance" else gf.AttendanceForm(
            members=_member_choices(meeting),
            initial={"present": present, "excused": excused, "summary": meeting.summary})
        agenda_form = bound[1] if bound and bound[0] == "agenda" else gf.AgendaForm()
    return render(request, "web/governance/meeting.html", {
        "meeting": meeting, "members": members, "agenda": agenda, "is_convener": is_convener,
        "attendance_form": attendance_form, "agenda_form": agenda_form,
        "petitions": meeting.petitions.all() if meeting.kind == MeetingKind.PETITION_JOINT
        else []}, status=status)


@login_required
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _meeting_page(request, meeting_id)


@login_required
@require_POST
def meeting_attendance(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _staff(request)
    meeting = _meeting_or_404(user, meeting_id)
    form = gf.AttendanceForm(request.POST, members=_member_choices(meeting))

    def again(status: int) -> HttpResponse:
        return _meeting_page(request, meeting_id, status, ("attendance", form))

    if not form.is_valid():
        return _invalid(request, again)
    d = form.cleaned_data
    return _run(request, lambda: mt.meeting_attendance_record(
        user, meeting_id=meeting_id, present=d["present"], excused=d["excused"],
        summary=d["summary"]), _("已登记出席情况"), again,
        reverse("gov:meeting", args=[meeting_id]))


@login_required
@require_POST
def meeting_agenda(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _staff(request)
    form = gf.AgendaForm(request.POST)

    def again(status: int) -> HttpResponse:
        return _meeting_page(request, meeting_id, status, ("agenda", form))

    if not form.is_valid():
        return _invalid(request, again)
    return _run(request, lambda: mt.meeting_agenda_add(
        user, meeting_id=meeting_id, case_number=form.cleaned_data["case"].strip()),
        _("已增加议题"), again, reverse("gov:meeting", args=[meeting_id]))


@login_required
@require_POST
def meeting_decide(request: HttpRequest, meeting_id: int, number: str) -> HttpResponse:
    user = _staff(request)
    key = f"decision-{number}"
    form = gf.DecisionForm(request.POST, prefix=key)

    def again(status: int) -> HttpResponse:
        return _meeting_page(request, meeting_id, status, (key, form))

    if not form.is_valid():
        return _invalid(request, again)
    d = form.cleaned_data
    deadline: datetime = d["deadline"]
    return _run(request, lambda: mt.meeting_decide(
        user, meeting_id=meeting_id, case_number=number, task=d["task"], deadline=deadline,
        action=d["action"], department=d["department"] or None),
        _("会议决定已执行：%(number)s") % {"number": number}, again,
        reverse("gov:meeting", args=[meeting_id]))


@login_required
def meeting_minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _staff(request)
    text = mt.meeting_minutes(_meeting_or_404(user, meeting_id))
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting_id}.md"'
    return response


# -- petitions ------------------------------------------------------------------------------

def _staff_streets(user: User) -> list[tuple[str, str]]:
    district, streets = pt.petition_staff_streets(user)
    choices = gf.division_choices(DivisionLevel.STREET)
    if district:
        return choices
    codes = set(Division.objects.filter(pk__in=streets).values_list("code", flat=True))
    return [(c, n) for c, n in choices if c in codes]


def _petitions_page(request: HttpRequest, status: int = 200,
                    form: gf.PetitionForm | None = None) -> HttpResponse:
    user = _staff(request)
    qs = pt.petition_list_for(user)
    chosen = request.GET.get("status", "")
    if chosen:
        qs = qs.filter(status=chosen)
    rows = [pt.petition_out(user, p) for p in qs[:300]]
    streets = _staff_streets(user)
    if form is None and streets:
        form = gf.PetitionForm(streets=streets)
    return render(request, "web/governance/petitions.html", {
        "rows": rows, "form": form, "statuses": PetitionStatus.choices, "chosen": chosen},
        status=status)


@login_required
def petitions(request: HttpRequest) -> HttpResponse:
    return _petitions_page(request)


@login_required
@require_POST
def petition_new(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = gf.PetitionForm(request.POST, streets=_staff_streets(user)
                           or gf.division_choices(DivisionLevel.STREET))

    def again(status: int) -> HttpResponse:
        return _petitions_page(request, status, form)

    if not form.is_valid():
        return _invalid(request, again)
    d = form.cleaned_data
    try:
        p = pt.petition_register(
            user, street=d["street"], channel=d["channel"], petitioner_name=d["petitioner_name"],
            subject=d["subject"], content=d["content"], petitioner_phone=d["petitioner_phone"],
            petitioner_address=d["petitioner_address"], community=d["community"] or None)
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        return again(exc.status)
    messages.success(request, _("已登记信访件：%(number)s") % {"number": p.number})
    return redirect("gov:petition", number=p.number)


@login_required
def petitions_export(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    response = HttpResponse(pt.petitions_export_csv(user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="petitions.csv"'
    return response


def _petition_or_404(user: User, number: str) -> Petition:
    try:
        return pt.petition_get_for(user, number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


PETITION_ACTION_LABELS = {
    "accept": "受理决定", "assign": "交办责任单位或联席会议", "request_extension": "申请延期",
    "decide_extension": "审批延期", "conclude": "出具办理结果", "rate": "登记满意度",
    "request_review": "登记复查请求"}


def _petition_actions(user: User, p: Petition) -> list[str]:
    """Which forms to show; a hint only — the services decide and refuse with 403/422."""
    staff = pt.is_petition_staff(user, p.street_id)
    handler = staff or (user.role == Role.DEPARTMENT and p.department_id is not None
                        and user.department_id == p.department_id)
    s = PetitionStatus
    out = []
    if staff and p.status == s.REGISTERED:
        out.append("accept")
    if staff and p.status in (s.ACCEPTED, s.REVIEWING):
        out.append("assign")
    if handler and p.status == s.ACCEPTED and not (p.extended or p.extension_requested):
        out.append("request_extension")
    if p.status == s.ACCEPTED and p.extension_requested and not staff and (
            is_district(user) or (user.role == Role.STREET and user.division_id == p.street_id)
            or (p.meeting is not None and p.meeting.convener_id == user.pk)):
        out.append("decide_extension")
    if (handler and p.status == s.ACCEPTED) or (
            p.status == s.REVIEWING and pt.petition_staff_streets(user)[0]):
        out.append("conclude")
    if staff and p.status in (s.CONCLUDED, s.REVIEWED) and not p.satisfaction:
        out.append("rate")
    if staff and p.status == s.CONCLUDED:
        out.append("request_review")
    return out


def _petition_form(action: str, user: User, p: Petition, data: Any = None) -> Any:
    if action == "assign":
        meetings = mt.meeting_list_for(user).filter(kind=MeetingKind.PETITION_JOINT,
                                                    street_id=p.street_id)
        return gf.PetitionAssignForm(data, prefix=action,
                                     meetings=[(str(m.pk), m.title) for m in meetings[:50]])
    return gf.PETITION_FORMS[action](data, prefix=action)


def _petition_page(request: HttpRequest, number: str, status: int = 200,
                   bound: tuple[str, Any] | None = None) -> HttpResponse:
    user = _staff(request)
    p = _petition_or_404(user, number)
    forms_ = [{"action": a, "label": PETITION_ACTION_LABELS[a],
               "form": bound[1] if bound and bound[0] == a else _petition_form(a, user, p),
               "open": bool(bound and bound[0] == a)} for a in _petition_actions(user, p)]
    return render(request, "web/governance/petition.html", {
        "p": pt.petition_out(user, p), "petition": p, "forms": forms_,
        "events": p.events.select_related("actor").order_by("at", "id")}, status=status)


@login_required
def petition(request: HttpRequest, number: str) -> HttpResponse:
    return _petition_page(request, number)


@login_required
@require_POST
def petition_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    user = _staff(request)
    if action not in gf.PETITION_FORMS:
        raise Http404(_("未知操作"))
    p = _petition_or_404(user, number)
    form = _petition_form(action, user, p, request.POST)

    def again(status: int) -> HttpResponse:
        return _petition_page(request, number, status, (action, form))

    if not form.is_valid():
        return _invalid(request, again)
    d = form.cleaned_data

    def call() -> Petition:
        if action == "accept":
            return pt.petition_accept(user, number=number, accepted=d["accepted"] == "yes",
                                      note=d["note"])
        if action == "assign":
            if not (d["department"] or d["meeting"]):
                raise InvalidInput(_("请选择责任单位或信访工作联席会议"))
            return pt.petition_assign(user, number=number, department=d["department"] or None,
                                      meeting_id=int(d["meeting"]) if d["meeting"] else None)
        if action == "request_extension":
            return pt.petition_extension_request(user, number=number, reason=d["reason"])
        if action == "decide_extension":
            return pt.petition_extension_decide(user, number=number,
                                                approved=d["approved"] == "yes")
        if action == "conclude":
            return pt.petition_conclude(user, number=number, result=d["result"])
        if action == "rate":
            return pt.petition_rate(user, number=number, satisfaction=d["satisfaction"])
        return pt.petition_review_request(user, number=number, reason=d["reason"])

    return _run(request, call, _("已办理：%(action)s") % {"action": PETITION_ACTION_LABELS[action]},
                again, reverse("gov:petition", args=[number]))


# -- party members --------------------------------------------------------------------------

def _party_user(request: HttpRequest) -> tuple[User, PartyMember | None]:
    user = _user(request)
    me = PartyMember.objects.filter(user_id=user.pk).select_related(
        "work_unit", "home_community").first()
    if me is None and user.role in NOT_STAFF and not user.is_superuser:
        raise PermissionDenied(_("该页面仅对工作人员和已报到党员开放"))
    return user, me


def _party_scope(user: User, me: PartyMember | None) -> dict[str, Any]:
    """The members, posts and activities this user works with (reads only)."""
    members = PartyMember.objects.select_related("work_unit", "home_community")
    if user.role == Role.STATION and user.division_id:
        members = members.filter(home_community_id=user.division_id)
        community_id: int | None = user.division_id
    elif user.role == Role.DEPARTMENT and user.department_id:
        members = members.filter(work_unit_id=user.department_id)
        community_id = None
    elif is_district(user):
        community_id = None
    else:
        members = members.filter(pk=me.pk) if me else members.none()
        community_id = me.home_community_id if me else None
    posts = ServicePost.objects.annotate(claimed=Count("claims"))
    activities = PartyActivity.objects.annotate(signed=Count("sign_ins"))
    if community_id is not None:
        posts, activities = (posts.filter(community_id=community_id),
                             activities.filter(community_id=community_id))
    elif not is_district(user):
        posts, activities = posts.none(), activities.none()
    return {"members": list(members[:300]), "posts": list(posts.order_by("id")[:100]),
            "activities": list(activities[:100]), "community_id": community_id}


def _party_page(request: HttpRequest, status: int = 200,
                bound: tuple[str, Any] | None = None) -> HttpResponse:
    user, me = _party_user(request)
    scope = _party_scope(user, me)
    may_register = user.role in (Role.STATION, Role.DEPARTMENT) or user.is_superuser \
        or user.role == Role.ADMIN
    is_station = user.role == Role.STATION
    pick = [(str(m.pk), m.name) for m in scope["members"] if m.community_registered_at]
    if me is not None and not is_station:
        pick = [(str(me.pk), me.name)]

    def form(key: str, make: Callable[[], Any]) -> Any:
        return bound[1] if bound and bound[0] == key else make()

    initial: dict[str, Any] = {}
    if is_station and user.division:
        initial["home_community"] = user.division.code
    if user.role == Role.DEPARTMENT and user.department:
        initial["work_unit"] = user.department.code
    place = request.GET.get("place", Place.COMMUNITY)
    if place not in Place.values:
        place = Place.COMMUNITY
    month = request.GET.get("month") or None
    try:
        ranking = sel.party_ranking(place=place, month=month,
                                    department=request.GET.get("department") or None,
                                    community=request.GET.get("community") or None)
        groups = {"unit": sel.party_group_ranking(place=Place.UNIT, month=month),
                  "community": sel.party_group_ranking(place=Place.COMMUNITY, month=month)}
    except ShaobaoError as exc:
        messages.error(request, exc.message)
        status, ranking, groups = exc.status, [], {"unit": [], "community": []}
    return render(request, "web/governance/party.html", {
        "me": me, "my_points": me.points.order_by("-at", "-id")[:50] if me else [],
        "members": scope["members"], "posts": scope["posts"], "activities": scope["activities"],
        "member_form": form("member", lambda: gf.MemberForm(initial=initial))
        if may_register else None,
        "post_form": form("post", gf.PostForm) if is_station else None,
        "activity_form": form("activity", gf.ActivityForm) if is_station else None,
        "pick": pick, "is_station": is_station, "user_role": user.role,
        "ranking": ranking, "groups": groups, "place": place, "places": Place.choices,
        "month": month or ""}, status=status)


@login_required
def party(request: HttpRequest) -> HttpResponse:
    return _party_page(request)


def _party_post(request: HttpRequest, key: str, form: Any, call: Callable[[dict[str, Any]], Any],
                success: str) -> HttpResponse:
    def again(status: int) -> HttpResponse:
        return _party_page(request, status, (key, form))

    if not form.is_valid():
        return _invalid(request, again)
    return _run(request, lambda: call(form.cleaned_data), success, again, reverse("gov:party"))


@login_required
@require_POST
def party_member_new(request: HttpRequest) -> HttpResponse:
    user, _me = _party_user(request)
    return _party_post(request, "member", gf.MemberForm(request.POST), lambda d: (
        pa.party_member_register(user, name=d["name"], home_community=d["home_community"],
                                 work_unit=d["work_unit"] or None, phone=d["phone"],
                                 kind=d["kind"])), _("已登记报到"))


@login_required
@require_POST
def party_member_confirm(request: HttpRequest, member_id: int) -> HttpResponse:
    user, _me = _party_user(request)
    return _run(request, lambda: pa.party_member_confirm(user, member_id=member_id),
                _("已确认报到"), lambda status: _party_page(request, status), reverse("gov:party"))


def _community_code(user: User) -> str:
    if user.role != Role.STATION or user.division is None:
        raise PermissionDenied(_("服务岗位和活动由村（社区）红领工作站设置"))
    return user.division.code


@login_required
@require_POST
def party_post_new(request: HttpRequest) -> HttpResponse:
    user, _me = _party_user(request)
    community = _community_code(user)
    return _party_post(request, "post", gf.PostForm(request.POST), lambda d: (
        pa.service_post_create(user, community=community, title=d["title"],
                               description=d["description"], capacity=d["capacity"])),
        _("已设置服务岗位"))


@login_required
@require_POST
def party_activity_new(request: HttpRequest) -> HttpResponse:
    user, _me = _party_user(request)
    community = _community_code(user)
    return _party_post(request, "activity", gf.ActivityForm(request.POST), lambda d: (
        pa.activity_create(user, community=community, title=d["title"], at=d["at"],
                           points=d["points"])), _("已发布服务活动"))


def _member_id(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("member", ""))
    except ValueError as exc:
        raise InvalidInput(_("请选择党员")) from exc


@login_required
@require_POST
def party_claim(request: HttpRequest, post_id: int) -> HttpResponse:
    user, _me = _party_user(request)
    return _run(request, lambda: pa.post_claim(user, post_id=post_id,
                                               member_id=_member_id(request)),
                _("已认领岗位"), lambda status: _party_page(request, status), reverse("gov:party"))


@login_required
@require_POST
def party_sign_in(request: HttpRequest, activity_id: int) -> HttpResponse:
    user, _me = _party_user(request)
    return _run(request, lambda: pa.activity_sign_in(user, activity_id=activity_id,
                                                     member_id=_member_id(request)),
                _("已签到"), lambda status: _party_page(request, status), reverse("gov:party"))


# -- registers (read-only) ------------------------------------------------------------------

@login_required
def registers(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if user.role in (Role.GRID_WORKER, Role.GRID_POLICE):
        raise PermissionDenied(_("登记簿与考核仅对红领工作站及以上开放"))
    projects = PartyProject.objects.select_related("community").order_by("-year", "id")
    rosters = Roster.objects.select_related("street").annotate(
        people=Count("entries", distinct=True),
        open_gaps=Count("entries__gaps", filter=Q(entries__gaps__status="open"), distinct=True))
    if user.role == Role.STATION and user.division_id:
        projects = projects.filter(community_id=user.division_id)
    elif user.role == Role.STREET and user.division_id:
        projects = projects.filter(community__parent_id=user.division_id)
        rosters = rosters.filter(Q(street_id=user.division_id) | Q(street__isnull=True))
    elif user.role == Role.DEPARTMENT:
        projects = projects.none()
    indicators = Indicator.objects.all()
    scheme = request.GET.get("scheme", "")
    period = request.GET.get("period", "")
    ranking = None
    if scheme and period:
        try:
            ranking = indicator_ranking(scheme=scheme, period=period)
        except ShaobaoError as exc:
            messages.error(request, exc.message)
            ranking = []
    schemes = sorted({i.scheme for i in indicators})
    return render(request, "web/governance/registers.html", {
        "projects": projects[:200], "rosters": rosters[:100], "indicators": indicators,
        "schemes": schemes, "scheme": scheme, "period": period, "ranking": ranking})
