"""Governance pages under /gov/ (names in the `gov` namespace)."""

from django.urls import path

from shaobao.web import governance_views as v

app_name = "gov"

urlpatterns = [
    path("certificates/", v.certificates, name="certificates"),
    path("admission/", v.admission, name="admission"),
    path("admission/applications", v.admission_apply, name="admission_apply"),
    path("admission/applications/<int:application_id>/review", v.admission_review,
         name="admission_review"),
    path("admission/applications/<int:application_id>/decide", v.admission_decide,
         name="admission_decide"),
    path("admission/pushes", v.admission_push, name="admission_push"),
    path("meetings/", v.meetings, name="meetings"),
    path("meetings/new", v.meeting_new, name="meeting_new"),
    path("meetings/<int:meeting_id>/", v.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/attendance", v.meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:meeting_id>/agenda", v.meeting_agenda, name="meeting_agenda"),
    path("meetings/<int:meeting_id>/decisions/<str:number>", v.meeting_decide,
         name="meeting_decide"),
    path("meetings/<int:meeting_id>/minutes", v.meeting_minutes, name="meeting_minutes"),
    path("petitions/", v.petitions, name="petitions"),
    path("petitions/new", v.petition_new, name="petition_new"),
    path("petitions/export.csv", v.petitions_export, name="petitions_export"),
    path("petitions/<str:number>/", v.petition, name="petition"),
    path("petitions/<str:number>/actions/<str:action>", v.petition_action,
         name="petition_action"),
    path("party/", v.party, name="party"),
    path("party/members", v.party_member_new, name="party_member_new"),
    path("party/members/<int:member_id>/confirm", v.party_member_confirm,
         name="party_member_confirm"),
    path("party/posts", v.party_post_new, name="party_post_new"),
    path("party/posts/<int:post_id>/claim", v.party_claim, name="party_claim"),
    path("party/activities", v.party_activity_new, name="party_activity_new"),
    path("party/activities/<int:activity_id>/sign-in", v.party_sign_in, name="party_sign_in"),
    path("registers/", v.registers, name="registers"),
]
