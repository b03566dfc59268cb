"""Every model, imported so that the metadata is complete (Alembic and the tests rely on it)."""

from commission.models.accounts import LoginFailure, Role, User
from commission.models.audit import AuditEntry, AuditHead
from commission.models.cases import (
    AccessLog,
    Case,
    CaseDocument,
    CaseMedical,
    CaseTransition,
    DocumentKind,
    HousingSituation,
)
from commission.models.hearings import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Decision,
    Hearing,
    HearingTransition,
    ItemKind,
    Minutes,
    MinutesStatus,
    Recusal,
    Vote,
    VoteChoice,
)
from commission.models.housing import Place, PlaceKind
from commission.models.people import Applicant, Guardian, ProtectionMeasure
from commission.models.reference import CareTeam, Organisation, OrganisationKind, Town

__all__ = [
    "AccessLog",
    "AgendaItem",
    "Applicant",
    "Attendance",
    "AttendanceStatus",
    "AuditEntry",
    "AuditHead",
    "CareTeam",
    "Case",
    "CaseDocument",
    "CaseMedical",
    "CaseTransition",
    "Decision",
    "DocumentKind",
    "Guardian",
    "Hearing",
    "HearingTransition",
    "HousingSituation",
    "ItemKind",
    "LoginFailure",
    "Minutes",
    "MinutesStatus",
    "Organisation",
    "OrganisationKind",
    "Place",
    "PlaceKind",
    "ProtectionMeasure",
    "Recusal",
    "Role",
    "Town",
    "User",
    "Vote",
    "VoteChoice",
]
