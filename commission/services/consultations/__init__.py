"""Written consultations of the members between hearings, for an urgent case (a vacant place, a person leaving
hospital): the coordinator puts a proposal to the members, each answers from their home page before a deadline,
the quorum and the majority of the ordinary rule apply, and the outcome is recorded with the answers (and, when
adopted, as the hearing's decision on the file), then reported in the minutes of the next hearing.

A consultation is a hearing of kind ``written`` (its steps are the hearing machine's); the sections live in
``opening``, ``outcome`` (the answers, the outcome, the end) and ``reading``. Each public function is one unit
of work: permission, checks, steps, records and audit, flushed; the caller commits.
"""

from __future__ import annotations

from commission.services.consultations.opening import (
    ANSWER_DAYS,
    PROPOSALS,
    ConsultationInput,
    consultable_cases,
    open_consultation,
    proposed_input,
)
from commission.services.consultations.outcome import answer, conclude, deadline, end, outcome_trigger
from commission.services.consultations.reading import (
    ANSWER_LABELS,
    AnswerRow,
    ConsultationView,
    Waiting,
    list_consultations,
    read,
    waiting_for,
)

__all__ = [
    "ANSWER_DAYS",
    "ANSWER_LABELS",
    "PROPOSALS",
    "AnswerRow",
    "ConsultationInput",
    "ConsultationView",
    "Waiting",
    "answer",
    "conclude",
    "consultable_cases",
    "deadline",
    "end",
    "list_consultations",
    "open_consultation",
    "outcome_trigger",
    "proposed_input",
    "read",
    "waiting_for",
]
