"""Everything held on one person, as an A4 PDF/A they can read: the readable half of their export.

The data is the export's own (:func:`commission.services.person_export.collect`): plain dicts and
lists, the enumerations as their values; this module gives the template the words for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from commission.clock import COUNCIL_ZONE
from commission.documents.annual_report import EXIT_REASON_LABELS, PLACE_KIND_LABELS
from commission.documents.pdf import gettext, render_pdf, supported_locale
from commission.i18n import DEFAULT_LOCALE, N_
from commission.models.followup import (
    EventKind,
    FollowUpStatus,
    IncidentKind,
    PlaceCondition,
    ReviewOutcome,
)
from commission.models.people import ProtectionMeasure
from commission.services.hearing_documents import DECISION_LABELS, KIND_LABELS, PROTECTION_WORDS
from commission.services.treasury_reports import ACCOUNT_LABELS, ENTRY_KIND_LABELS
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE

HOUSING = {
    "hospitalised": N_("Hospitalised"),
    "with_family": N_("Living with family"),
    "hostel": N_("In a hostel or residence"),
    "own_tenancy": N_("Own tenancy, to be left"),
    "homeless": N_("Without housing"),
    "temporary": N_("Temporary accommodation"),
    "other": N_("Other"),
}
DOCUMENT_KINDS = {
    "identity": N_("Identity document"),
    "resources": N_("Proof of resources"),
    "guardianship": N_("Guardianship judgement"),
    "medical_certificate": N_("Medical certificate"),
    "other": N_("Other document"),
}
LEASE_KINDS = {
    "direct": N_("Direct lease with the landlord"),
    "sublease": N_("Sublease from the council"),
    "occupancy": N_("Occupancy agreement"),
}
FOLLOWUP_STATUS = {
    FollowUpStatus.GOING_WELL: N_("Going well"),
    FollowUpStatus.NEEDS_ATTENTION: N_("Needs attention"),
    FollowUpStatus.AT_RISK: N_("At risk"),
}
EVENT_KINDS = {
    EventKind.VISIT: N_("Home visit"),
    EventKind.CONSULTATION: N_("Consultation"),
    EventKind.PHONE_CALL: N_("Telephone call"),
    EventKind.HOSPITALISATION: N_("Hospitalisation"),
    EventKind.INCIDENT: N_("Incident"),
}
INCIDENT_KINDS = {
    IncidentKind.RENT_ARREARS: N_("Rent arrears"),
    IncidentKind.NEIGHBOUR_COMPLAINT: N_("Neighbours' complaint"),
    IncidentKind.LANDLORD_COMPLAINT: N_("Landlord's complaint"),
    IncidentKind.DAMAGE: N_("Damage to the place"),
    IncidentKind.OTHER: N_("Other incident"),
}
REVIEW_OUTCOMES = {
    ReviewOutcome.CONTINUE: N_("The tenancy goes on; next review in a year"),
    ReviewOutcome.CLOSER_FOLLOW_UP: N_("Closer follow-up; reviewed again next quarter"),
    ReviewOutcome.RESOURCE_MEETING: N_("A resource meeting is to be called; reviewed next quarter"),
    ReviewOutcome.PREPARE_EXIT: N_("A move out is to be prepared"),
}
PLACE_CONDITIONS = {
    PlaceCondition.GOOD: N_("Good condition"),
    PlaceCondition.WORKS_NEEDED: N_("Works needed before the next person"),
    PlaceCondition.DAMAGED: N_("Damaged"),
}
READ_PARTS = {
    "file": N_("the file"),
    "medical": N_("the medical part"),
    "followup": N_("the follow-up"),
    "export": N_("an export of the person's data"),
}
ROLES = {
    "coordinator": N_("Coordinator"),
    "care_team": N_("Care-team member"),
    "chair": N_("Chair (elected official)"),
    "member": N_("Commission member"),
    "treasurer": N_("Treasurer"),
    "landlord": N_("Landlord representative"),
    "data_protection": N_("Data-protection officer"),
}


def _by_value(labels: Mapping[Any, str]) -> dict[str, str]:
    return {getattr(key, "value", key): label for key, label in labels.items()}


def labels() -> dict[str, dict[str, str]]:
    """Message ids by enumeration value, for each kind of value the export holds; the template
    translates them."""
    return {
        "protection": _by_value({ProtectionMeasure.NONE: N_("No legal protection"), **PROTECTION_WORDS}),
        "housing": HOUSING,
        "document_kind": DOCUMENT_KINDS,
        "place_kind": _by_value(PLACE_KIND_LABELS),
        "lease_kind": LEASE_KINDS,
        "decision": _by_value(DECISION_LABELS),
        "item_kind": _by_value(KIND_LABELS),
        "followup_status": _by_value(FOLLOWUP_STATUS),
        "event_kind": _by_value(EVENT_KINDS),
        "incident_kind": _by_value(INCIDENT_KINDS),
        "review_outcome": _by_value(REVIEW_OUTCOMES),
        "exit_reason": _by_value(EXIT_REASON_LABELS),
        "place_condition": _by_value(PLACE_CONDITIONS),
        "read_part": READ_PARTS,
        "role": ROLES,
        "account": _by_value(ACCOUNT_LABELS),
        "entry_kind": _by_value(ENTRY_KIND_LABELS),
        "case_state": {state.name: state.label for state in CASE_MACHINE.states},
        "deposit_state": {state.name: state.label for state in DEPOSIT_MACHINE.states},
    }


def render_person_export(data: Mapping[str, Any], *, locale: str = DEFAULT_LOCALE) -> bytes:
    _ = gettext(locale)
    locale = supported_locale(locale)
    person = data["person"]
    name = f"{person['first_name']} {person['last_name']}"
    title = _("Data held on %(name)s") % {"name": name}
    exported_at: datetime = data["exported_at"]
    return render_pdf(
        "person_export.html",
        {"data": data, "title": title, "labels": labels(), "exported_on": exported_at.astimezone(COUNCIL_ZONE)},
        title=title,
        author=data["council"],
        locale=locale,
        subject=_("Right of access: everything the commission's software holds on one person"),
        keywords=(_("right of access"),),
        created=exported_at,
    )
