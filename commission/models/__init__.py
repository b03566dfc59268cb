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
from commission.models.housing import Place, PlaceKind
from commission.models.people import Applicant, Guardian, ProtectionMeasure
from commission.models.reference import CareTeam, Organisation, OrganisationKind, Town

__all__ = [
    "AccessLog",
    "Applicant",
    "AuditEntry",
    "AuditHead",
    "CareTeam",
    "Case",
    "CaseDocument",
    "CaseMedical",
    "CaseTransition",
    "DocumentKind",
    "Guardian",
    "HousingSituation",
    "LoginFailure",
    "Organisation",
    "OrganisationKind",
    "Place",
    "PlaceKind",
    "ProtectionMeasure",
    "Role",
    "Town",
    "User",
]
