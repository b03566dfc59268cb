"""Case files: the care team's application, its medical part, its documents, and every step it takes.

One module per section: :mod:`.editing` (the application's input, creating and editing a file),
:mod:`.reading` (a file, its timeline, the list of files), :mod:`.workflow` (the steps),
:mod:`.medical`, :mod:`.documents`, :mod:`.reminders` (the offers awaiting an answer). The names the
web, the command line, the other services and the tests use are all here:
``from commission.services import cases; cases.fire_case(...)``.
"""

from __future__ import annotations

from commission.services.cases.documents import (
    AccessRead,
    access_log,
    attach_document,
    list_documents,
    open_document,
)
from commission.services.cases.editing import (
    MAX_TEXT,
    CaseInput,
    ParsedCase,
    changed_fields,
    create_case,
    update_case,
)
from commission.services.cases.medical import MedicalInput, read_medical, update_medical
from commission.services.cases.reading import (
    CASE_SORTS,
    Awaited,
    CaseFilter,
    CasePage,
    awaits,
    get_case,
    list_cases,
    open_case,
    refuse_if_anonymised,
    timeline,
)
from commission.services.cases.reminders import OFFER_REMINDER_DAYS, OfferReminder, offers_awaiting_answer
from commission.services.cases.standing import Standing, standing
from commission.services.cases.workflow import fire_case, take_step

__all__ = [
    "CASE_SORTS",
    "MAX_TEXT",
    "OFFER_REMINDER_DAYS",
    "AccessRead",
    "Awaited",
    "CaseFilter",
    "CaseInput",
    "CasePage",
    "MedicalInput",
    "OfferReminder",
    "ParsedCase",
    "Standing",
    "access_log",
    "attach_document",
    "awaits",
    "changed_fields",
    "create_case",
    "fire_case",
    "get_case",
    "list_cases",
    "list_documents",
    "offers_awaiting_answer",
    "open_case",
    "open_document",
    "read_medical",
    "refuse_if_anonymised",
    "standing",
    "take_step",
    "timeline",
    "update_case",
    "update_medical",
]
