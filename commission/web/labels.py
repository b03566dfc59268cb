"""The interface's names for the domain's enumerations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from commission.models.accounts import Role
from commission.models.followup import (
    EventKind,
    ExitReason,
    FollowUpStatus,
    IncidentKind,
    PlaceCondition,
    ReviewOutcome,
)
from commission.models.housing import PlaceKind
from commission.models.people import ProtectionMeasure
from commission.models.reference import OrganisationKind

ROLE_LABELS = {
    Role.COORDINATOR: _l("Coordinator"),
    Role.CARE_TEAM: _l("Care-team member"),
    Role.CHAIR: _l("Chair (elected official)"),
    Role.MEMBER: _l("Commission member"),
    Role.TREASURER: _l("Treasurer"),
    Role.LANDLORD: _l("Landlord representative"),
    Role.DATA_PROTECTION: _l("Data-protection officer"),
}

PLACE_KIND_LABELS = {
    PlaceKind.APARTMENT: _l("Apartment in social housing"),
    PlaceKind.HOSTEL_PLACE: _l("Contracted place in a hostel or residence"),
    PlaceKind.TRANSITIONAL_PLACE: _l("Transitional place"),
    PlaceKind.RESIDENCE_PLACE: _l("Place in the residence"),
}

ORGANISATION_KIND_LABELS = {
    OrganisationKind.LANDLORD: _l("Social landlord"),
    OrganisationKind.HOSPITAL: _l("Psychiatric hospital"),
    OrganisationKind.USER_ASSOCIATION: _l("User association"),
    OrganisationKind.FAMILY_ASSOCIATION: _l("Family association"),
    OrganisationKind.HOSTEL: _l("Hostel"),
    OrganisationKind.RESIDENCE: _l("Residence"),
    OrganisationKind.RECEPTION_STRUCTURE: _l("Reception structure"),
    OrganisationKind.GUARDIANSHIP_SERVICE: _l("Guardianship service"),
}

PROTECTION_LABELS = {
    ProtectionMeasure.NONE: _l("No legal protection"),
    ProtectionMeasure.SAFEGUARD: _l("Safeguard of justice"),
    ProtectionMeasure.CURATORSHIP: _l("Curatorship"),
    ProtectionMeasure.REINFORCED_CURATORSHIP: _l("Reinforced curatorship"),
    ProtectionMeasure.GUARDIANSHIP: _l("Guardianship"),
    ProtectionMeasure.FAMILY_AUTHORISATION: _l("Family authorisation"),
}


FOLLOWUP_STATUS_LABELS = {
    FollowUpStatus.GOING_WELL: _l("Going well"),
    FollowUpStatus.NEEDS_ATTENTION: _l("Needs attention"),
    FollowUpStatus.AT_RISK: _l("At risk"),
}

EVENT_KIND_LABELS = {
    EventKind.VISIT: _l("Home visit"),
    EventKind.CONSULTATION: _l("Consultation"),
    EventKind.PHONE_CALL: _l("Telephone call"),
    EventKind.HOSPITALISATION: _l("Hospitalisation"),
    EventKind.INCIDENT: _l("Incident"),
}

INCIDENT_KIND_LABELS = {
    IncidentKind.RENT_ARREARS: _l("Rent arrears"),
    IncidentKind.NEIGHBOUR_COMPLAINT: _l("Neighbours' complaint"),
    IncidentKind.LANDLORD_COMPLAINT: _l("Landlord's complaint"),
    IncidentKind.DAMAGE: _l("Damage to the place"),
    IncidentKind.OTHER: _l("Other incident"),
}

REVIEW_OUTCOME_LABELS = {
    ReviewOutcome.CONTINUE: _l("The tenancy goes on; next review in a year"),
    ReviewOutcome.CLOSER_FOLLOW_UP: _l("Closer follow-up; reviewed again next quarter"),
    ReviewOutcome.RESOURCE_MEETING: _l("A resource meeting is to be called; reviewed next quarter"),
    ReviewOutcome.PREPARE_EXIT: _l("A move out is to be prepared"),
}

EXIT_REASON_LABELS = {
    ExitReason.ORDINARY_HOUSING: _l("Ordinary housing reached"),
    ExitReason.LEASE_TAKEN_OVER: _l("Lease taken over by the person"),
    ExitReason.HOSPITALISATION: _l("Hospitalisation"),
    ExitReason.MOVED_ELSEWHERE: _l("Moved elsewhere"),
    ExitReason.DEATH: _l("Death"),
    ExitReason.EVICTION: _l("Eviction"),
    ExitReason.OTHER: _l("Other reason"),
}

PLACE_CONDITION_LABELS = {
    PlaceCondition.GOOD: _l("Good condition"),
    PlaceCondition.WORKS_NEEDED: _l("Works needed before the next person"),
    PlaceCondition.DAMAGED: _l("Damaged"),
}

ALL_LABELS = {
    "role_labels": ROLE_LABELS,
    "place_kind_labels": PLACE_KIND_LABELS,
    "organisation_kind_labels": ORGANISATION_KIND_LABELS,
    "protection_labels": PROTECTION_LABELS,
    "followup_status_labels": FOLLOWUP_STATUS_LABELS,
    "event_kind_labels": EVENT_KIND_LABELS,
    "incident_kind_labels": INCIDENT_KIND_LABELS,
    "review_outcome_labels": REVIEW_OUTCOME_LABELS,
    "exit_reason_labels": EXIT_REASON_LABELS,
    "place_condition_labels": PLACE_CONDITION_LABELS,
}
