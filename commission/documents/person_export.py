"""Everything held on one person, as an A4 PDF/A they can read: the readable half of their export.

The data is the export's own (:func:`commission.services.person_export.collect`): plain dicts and
lists, the enumerations as their values; this module gives the template the words for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from commission import labels as tables
from commission.clock import COUNCIL_ZONE
from commission.documents.pdf import gettext, render_pdf, supported_locale
from commission.i18n import DEFAULT_LOCALE
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE


def _by_value(labels: Mapping[Any, str]) -> dict[str, str]:
    return {getattr(key, "value", key): label for key, label in labels.items()}


def labels() -> dict[str, dict[str, str]]:
    """Message ids by enumeration value, for each kind of value the export holds; the template
    translates them."""
    return {
        "protection": _by_value(tables.PROTECTION_LABELS),
        "housing": _by_value(tables.HOUSING_LABELS),
        "document_kind": _by_value(tables.DOCUMENT_LABELS),
        "place_kind": _by_value(tables.PLACE_KIND_LABELS),
        "lease_kind": _by_value(tables.LEASE_LABELS),
        "decision": _by_value(tables.DECISION_LABELS),
        "item_kind": _by_value(tables.ITEM_KIND_LABELS),
        "followup_status": _by_value(tables.FOLLOWUP_STATUS_LABELS),
        "event_kind": _by_value(tables.EVENT_KIND_LABELS),
        "incident_kind": _by_value(tables.INCIDENT_KIND_LABELS),
        "review_outcome": _by_value(tables.REVIEW_OUTCOME_LABELS),
        "letter_kind": _by_value(tables.LETTER_KIND_LABELS),
        "recipient": _by_value(tables.RECIPIENT_LABELS),
        "channel": _by_value(tables.CHANNEL_LABELS),
        "letter_status": _by_value(tables.LETTER_STATUS_LABELS),
        "exit_reason": _by_value(tables.EXIT_REASON_LABELS),
        "place_condition": _by_value(tables.PLACE_CONDITION_LABELS),
        "read_part": tables.READ_PART_LABELS,
        "role": _by_value(tables.ROLE_LABELS),
        "account": _by_value(tables.ACCOUNT_LABELS),
        "entry_kind": _by_value(tables.ENTRY_KIND_LABELS),
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
