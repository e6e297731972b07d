"""Governance models, one module per area; re-exported here for Django and callers."""

from shaobao.governance.models.admission import (
    AdmissionApplication,
    AdmissionItem,
    AdmissionList,
    ApplicationStatus,
    ItemStatus,
    PushKind,
    PushOutcome,
    TaskPush,
)
from shaobao.governance.models.meetings import (
    AgendaItem,
    AgendaSource,
    Attendance,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingMember,
    MeetingStatus,
)
from shaobao.governance.models.party import (
    ActivitySignIn,
    PartyActivity,
    PartyMember,
    PartyPointsEntry,
    Place,
    PostClaim,
    ServicePost,
    VolunteerKind,
)
from shaobao.governance.models.petitions import (
    Petition,
    PetitionChannel,
    PetitionEvent,
    PetitionStaff,
    PetitionStatus,
    Satisfaction,
)
from shaobao.governance.models.registers import (
    CoverageGap,
    GapStatus,
    Indicator,
    IndicatorValue,
    LogKind,
    LogStatus,
    PartyProject,
    ProjectStatus,
    Roster,
    RosterEntry,
    VisitLog,
)

__all__ = [
    "ActivitySignIn", "AdmissionApplication", "AdmissionItem", "AdmissionList", "AgendaItem",
    "AgendaSource", "ApplicationStatus", "Attendance", "CoverageGap", "GapStatus", "Indicator",
    "IndicatorValue", "ItemStatus", "LogKind", "LogStatus", "Meeting", "MeetingDecision",
    "MeetingKind", "MeetingMember", "MeetingStatus", "PartyActivity", "PartyMember",
    "PartyPointsEntry", "PartyProject", "Petition", "PetitionChannel", "PetitionEvent",
    "PetitionStaff", "PetitionStatus", "Place", "PostClaim", "ProjectStatus", "PushKind",
    "PushOutcome", "Roster", "RosterEntry", "Satisfaction", "ServicePost", "TaskPush",
    "VisitLog", "VolunteerKind",
]
