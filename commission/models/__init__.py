"""Every model, imported so that the metadata is complete (Alembic and the tests rely on it)."""

from commission.models.accounts import LoginFailure, Role, User
from commission.models.audit import AuditEntry, AuditHead
from commission.models.housing import Place, PlaceKind
from commission.models.people import Applicant, Guardian, ProtectionMeasure
from commission.models.reference import CareTeam, Organisation, OrganisationKind, Town

__all__ = [
    "Applicant",
    "AuditEntry",
    "AuditHead",
    "CareTeam",
    "Guardian",
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
