"""The interface's names for the domain's enumerations: the shared tables (:mod:`commission.labels`),
translated lazily in the user's language."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l

from commission import labels
from commission.models.directory import Need, StructureKind

E = TypeVar("E", bound=Enum)


def lazy(table: Mapping[E, str]) -> dict[E, Any]:
    """A label table whose labels translate in the current request's language when shown."""
    return {member: _l(label) for member, label in table.items()}


ROLE_LABELS = lazy(labels.ROLE_LABELS)
PLACE_KIND_LABELS = lazy(labels.PLACE_KIND_LABELS)
ORGANISATION_KIND_LABELS = lazy(labels.ORGANISATION_KIND_LABELS)
PROTECTION_LABELS = lazy(labels.PROTECTION_LABELS)
FOLLOWUP_STATUS_LABELS = lazy(labels.FOLLOWUP_STATUS_LABELS)
EVENT_KIND_LABELS = lazy(labels.EVENT_KIND_LABELS)
INCIDENT_KIND_LABELS = lazy(labels.INCIDENT_KIND_LABELS)
REVIEW_OUTCOME_LABELS = lazy(labels.REVIEW_OUTCOME_LABELS)
EXIT_REASON_LABELS = lazy(labels.EXIT_REASON_LABELS)
PLACE_CONDITION_LABELS = lazy(labels.PLACE_CONDITION_LABELS)
HOUSING_LABELS = lazy(labels.HOUSING_LABELS)
DOCUMENT_LABELS = lazy(labels.DOCUMENT_LABELS)
RENEWAL_LABELS = lazy(labels.RENEWAL_LABELS)
LEASE_LABELS = lazy(labels.LEASE_LABELS)
DECISION_LABELS = lazy(labels.DECISION_LABELS)
ITEM_KIND_LABELS = lazy(labels.ITEM_KIND_LABELS)
HEARING_KIND_LABELS = lazy(labels.HEARING_KIND_LABELS)
ATTENDANCE_LABELS = lazy(labels.ATTENDANCE_LABELS)
MINUTES_STATUS_LABELS = lazy(labels.MINUTES_STATUS_LABELS)
ACCOUNT_LABELS = lazy(labels.ACCOUNT_LABELS)
ENTRY_KIND_LABELS = lazy(labels.ENTRY_KIND_LABELS)
METHOD_LABELS = lazy(labels.METHOD_LABELS)

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
    "hearing_kind_labels": HEARING_KIND_LABELS,
    "read_part_labels": {part: _l(label) for part, label in labels.READ_PART_LABELS.items()},
}

# The directory of the territory: the kinds of structure, and the needs that are the guide's chapters.
STRUCTURE_KIND_LABELS = {
    StructureKind.CMP: _l("Medico-psychological centre (CMP)"),
    StructureKind.HOSPITAL_SECTOR: _l("Hospital sector (day hospital, CATTP, mobile team)"),
    StructureKind.CCAS: _l("Municipal social action centre (CCAS)"),
    StructureKind.DISTRICT_SOCIAL_SERVICE: _l("District social services"),
    StructureKind.SOCIAL_CENTRE: _l("Social centre"),
    StructureKind.LANDLORD: _l("Social landlord"),
    StructureKind.HOSTEL: _l("Hostel, social residence"),
    StructureKind.RESIDENCE: _l("Supported residence, boarding house"),
    StructureKind.RETIREMENT_HOME: _l("Retirement home"),
    StructureKind.MUTUAL_HELP_GROUP: _l("Mutual-help group (GEM)"),
    StructureKind.USERS_ASSOCIATION: _l("Users' association"),
    StructureKind.FAMILIES_ASSOCIATION: _l("Families' association"),
    StructureKind.PREVENTION: _l("Prevention"),
}
NEED_LABELS = {
    Need.CARE: _l("Care"),
    Need.SOCIAL: _l("Social support"),
    Need.HOUSING: _l("Housing"),
    Need.PEER: _l("Peer and family help"),
    Need.PREVENTION: _l("Prevention"),
}
