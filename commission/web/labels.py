"""The interface's names for the domain's enumerations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from commission.models.accounts import Role
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

ALL_LABELS = {
    "role_labels": ROLE_LABELS,
    "place_kind_labels": PLACE_KIND_LABELS,
    "organisation_kind_labels": ORGANISATION_KIND_LABELS,
    "protection_labels": PROTECTION_LABELS,
}
