"""The case machine: one person's file, from the care team's draft to the exit.

draft -> submitted -> incomplete | ready -> scheduled -> heard -> allocated | waiting_list |
deferred | refused; allocated -> offer_accepted | (declined, expired) waiting_list; offer_accepted ->
moving_in -> housed -> exiting -> closed. Withdrawn at any step before housed; closed, refused and
withdrawn files can be reopened by the coordinator with a reason.
"""

from __future__ import annotations

from datetime import timedelta

from commission import config
from commission.db import utcnow
from commission.i18n import N_, Message, msg
from commission.models.accounts import Role
from commission.models.cases import Case
from commission.workflow.case_states import CASE_STATES
from commission.workflow.engine import FireContext, MachineSpec, TransitionSpec, states_tagged
from commission.workflow.tags import Screen, Tag

INCOMPLETE_REMINDER_DAYS = 30
FIRST_REVIEW_DAYS = 180  # a housed person's follow-up is first reviewed at a hearing six months after moving in

REQUIRED_FOR_SUBMISSION: tuple[tuple[str, str], ...] = (
    ("housing_situation", N_("current housing situation")),
    ("monthly_resources_cents", N_("resources for the rent")),
    ("requested_kind", N_("kind of place asked for")),
    ("wished_towns", N_("towns wished")),
    ("project", N_("care and reintegration project")),
    ("referring_psychiatrist", N_("referring psychiatrist")),
)


def missing_for_submission(case: Case) -> list[str]:
    """The names (message ids) of what a file still lacks before it can be submitted."""
    missing = [label for name, label in REQUIRED_FOR_SUBMISSION if getattr(case, name) in (None, "", [])]
    if not case.consent_given:
        missing.insert(0, N_("the person's consent to be presented to the commission"))
    return missing


def _complete(case: Case, _context: FireContext) -> Message | None:
    missing = missing_for_submission(case)
    if not missing:
        return None
    return msg("The file cannot go further: missing %(items)s.", items=missing)


def _hearing_date_ahead(_case: Case, context: FireContext) -> Message | None:
    hearing_date = context.values.get("hearing_date")
    if hearing_date is None:
        return msg("Choose the date of the hearing.")
    if hearing_date < context.today:
        return msg("The hearing's date is in the past.")
    return None


def _place_given(_case: Case, context: FireContext) -> Message | None:
    if context.values.get("place") is None:
        return msg("Choose the place that is allocated.")
    return None


def _offer_open(case: Case, context: FireContext) -> Message | None:
    deadline = case.offer_deadline
    if deadline is not None and context.today > deadline:
        return msg("The offer's reply deadline (%(date)s) has passed.", date=deadline.isoformat())
    return None


def _offer_expired(case: Case, context: FireContext) -> Message | None:
    deadline = case.offer_deadline
    if deadline is None or context.today <= deadline:
        return msg("The offer's reply deadline has not passed yet.")
    return None


def _was_on_waiting_list(case: Case, _context: FireContext) -> Message | None:
    if not case.scheduled_from_waiting_list:
        return msg("This file was not on the waiting list before the agenda.")
    return None


def _was_not_on_waiting_list(case: Case, _context: FireContext) -> Message | None:
    if case.scheduled_from_waiting_list:
        return msg("This file goes back to the waiting list.")
    return None


def _move_in_date_given(case: Case, context: FireContext) -> Message | None:
    move_in = context.values.get("move_in_date")
    if move_in is None:
        return msg("Give the move-in date.")
    if case.offered_on is not None and move_in < case.offered_on:
        return msg("The move-in date cannot come before the allocation (%(date)s).",
                   date=case.offered_on.isoformat())
    lease_start, lease_end = context.values.get("lease_start"), context.values.get("lease_end")
    if lease_start is not None and lease_end is not None and lease_end <= lease_start:
        return msg("The lease must end after it starts.")
    return None


def _moved_in(case: Case, context: FireContext) -> Message | None:
    move_in = case.move_in_date
    if move_in is None or context.today < move_in:
        return msg("The person has not moved in yet (move-in date: %(date)s).",
                   date=move_in.isoformat() if move_in else "—")
    return None


# Effects: what each step records on the case, besides its state.

def _clear_due(case: Case, _context: FireContext) -> None:
    case.due_date = None


def _on_submit(case: Case, context: FireContext) -> None:
    _clear_due(case, context)
    if case.submitted_at is None:
        case.submitted_at = utcnow()


def _on_incomplete(case: Case, context: FireContext) -> None:
    case.missing_items = context.reason
    case.due_date = context.today + timedelta(days=INCOMPLETE_REMINDER_DAYS)


def _on_resubmit(case: Case, context: FireContext) -> None:
    _clear_due(case, context)


def _on_ready(case: Case, context: FireContext) -> None:
    case.missing_items = ""
    _clear_due(case, context)


def _on_schedule(case: Case, context: FireContext) -> None:
    case.scheduled_from_waiting_list = Tag.ON_WAITING_LIST in CASE_STATES_BY_NAME[case.state].tags
    case.scheduled_for = context.values["hearing_date"]
    case.due_date = context.values["hearing_date"]


def _on_unschedule(case: Case, context: FireContext) -> None:
    case.scheduled_for = None
    case.scheduled_from_waiting_list = False
    _clear_due(case, context)


def _on_decision(case: Case, context: FireContext) -> None:
    case.decision_reason = context.reason
    case.scheduled_from_waiting_list = False
    case.scheduled_for = None
    _clear_due(case, context)


def _on_allocate(case: Case, context: FireContext) -> None:
    _on_decision(case, context)
    place = context.values["place"]
    days = int(context.values.get("reply_days") or offer_reply_days())
    case.allocated_place_id = place.id
    case.offered_on = context.today
    case.offer_deadline = context.today + timedelta(days=days)
    case.due_date = case.offer_deadline


def offer_reply_days() -> int:
    """Days a person has to answer an offer: the council's setting (ten unless it sets another)."""
    return config.load_council_settings().offer_reply_days


def _on_defer(case: Case, context: FireContext) -> None:
    _on_decision(case, context)
    case.awaited_items = context.reason


def _on_housed(case: Case, context: FireContext) -> None:
    _clear_due(case, context)
    case.review_due = (case.move_in_date or context.today) + timedelta(days=FIRST_REVIEW_DAYS)


def _on_offer_accepted(case: Case, context: FireContext) -> None:
    _clear_due(case, context)


def _on_offer_lost(case: Case, context: FireContext) -> None:
    case.decline_count += 1
    case.allocated_place_id = None
    case.offer_deadline = case.offered_on = None
    _clear_due(case, context)


def _on_move_in(case: Case, context: FireContext) -> None:
    case.move_in_date = context.values["move_in_date"]
    case.due_date = case.move_in_date
    case.lease_kind = str(context.values.get("lease_kind") or "direct")
    case.lease_start = context.values.get("lease_start") or case.move_in_date
    case.lease_end = context.values.get("lease_end")


def _on_withdraw(case: Case, context: FireContext) -> None:
    case.decision_reason = context.reason
    case.scheduled_from_waiting_list = False
    case.allocated_place_id = None
    case.offer_deadline = None
    case.scheduled_for = None
    _clear_due(case, context)


def _on_reopen(case: Case, context: FireContext) -> None:
    case.consent_given = False
    case.consent_date = None
    _on_withdraw(case, context)


# The states a file may arrive in from a spreadsheet (its import step, from draft). Not those bound to a hearing the
# software does not know (on an agenda, heard), nor an offer whose reply deadline runs (allocated: bring the file
# on the waiting list and offer the place here), nor an exit under way (exiting: bring it housed, record the exit
# here, which settles the place, the deposit and the file together).
IMPORTABLE = ("draft", "submitted", "incomplete", "ready", "waiting_list", "deferred", "refused", "offer_accepted",
              "moving_in", "housed", "closed", "withdrawn")


def _on_import(case: Case, context: FireContext) -> None:
    """What the steps an imported file stands for would have recorded on it (``context.values``: ``state``,
    ``submitted_at``, ``place``, ``decision_on``, ``moved_in_on``, ``reason``)."""
    values = context.values
    tags = CASE_STATES_BY_NAME[values["state"]].tags
    reason = str(values.get("reason") or "")
    if values["state"] != "draft":
        case.submitted_at = values.get("submitted_at") or utcnow()
    if Tag.MISSING_ITEMS in tags:
        case.missing_items = reason
        case.due_date = context.today + timedelta(days=INCOMPLETE_REMINDER_DAYS)
    if Tag.AWAITED_ITEMS in tags:
        case.awaited_items = reason
    if Tag.AWAITED_ITEMS in tags or Tag.ENDED in tags:
        case.decision_reason = reason
    place, move_in = values.get("place"), values.get("moved_in_on")
    if place is not None:
        case.allocated_place_id = place.id
        case.offered_on = values.get("decision_on") or move_in or context.today
    if move_in is not None:
        case.move_in_date = move_in
        case.lease_kind = "direct"
        case.lease_start = move_in
        if Tag.BEFORE_HOUSED in tags:
            case.due_date = move_in
    if Tag.HOUSED in tags and move_in is not None:
        case.review_due = move_in + timedelta(days=FIRST_REVIEW_DAYS)


REASON = msg("Say why.")
CASE_STATES_BY_NAME = {state.name: state for state in CASE_STATES}
# Who takes a step besides the coordinator, who may take them all: the care team files, answers the
# offer for the person, announces the exit and the withdrawal.
CARE_TEAM = frozenset({Role.CARE_TEAM})
HEARING = Screen.HEARING

CASE_MACHINE = MachineSpec(
    name="case",
    initial="draft",
    states=CASE_STATES,
    transitions=(
        TransitionSpec("submit", ("draft",), "submitted", N_("Submit to the commission"),
                       guards=(_complete,), effect=_on_submit, roles=CARE_TEAM),
        TransitionSpec("return_incomplete", ("submitted",), "incomplete", N_("Return as incomplete"),
                       effect=_on_incomplete,
                       reason_required=msg("List what is missing.")),
        TransitionSpec("resubmit", ("incomplete",), "submitted", N_("Send back with the missing items"),
                       guards=(_complete,), effect=_on_resubmit, roles=CARE_TEAM),
        TransitionSpec("mark_ready", ("submitted",), "ready", N_("Mark as complete"),
                       guards=(_complete,), effect=_on_ready),
        TransitionSpec("schedule", ("ready", "deferred", "waiting_list"), "scheduled",
                       N_("Place on a hearing's agenda"),
                       guards=(_hearing_date_ahead,), effect=_on_schedule, screen=HEARING),
        TransitionSpec("unschedule", ("scheduled",), "ready", N_("Remove from the agenda"),
                       guards=(_was_not_on_waiting_list,), effect=_on_unschedule, reason_required=REASON,
                       screen=HEARING),
        TransitionSpec("unschedule_to_waiting_list", ("scheduled",), "waiting_list",
                       N_("Remove from the agenda, back to the waiting list"),
                       guards=(_was_on_waiting_list,), effect=_on_unschedule, reason_required=REASON,
                       screen=HEARING),
        TransitionSpec("hear", ("scheduled",), "heard", N_("Record as heard"), effect=_clear_due, screen=HEARING),
        TransitionSpec("allocate", ("heard",), "allocated", N_("Allocate a place"),
                       guards=(_place_given,), effect=_on_allocate, screen=HEARING),
        TransitionSpec("place_on_waiting_list", ("heard",), "waiting_list", N_("Favourable, waiting for a place"),
                       effect=_on_decision, screen=HEARING),
        TransitionSpec("defer", ("heard",), "deferred", N_("Defer to a later hearing"), effect=_on_defer,
                       reason_required=msg("Say what is awaited."), screen=HEARING),
        TransitionSpec("refuse", ("heard",), "refused", N_("Refuse"), effect=_on_decision,
                       reason_required=msg("Give the reason for the refusal."), screen=HEARING),
        TransitionSpec("accept_offer", ("allocated",), "offer_accepted", N_("Offer accepted"),
                       guards=(_offer_open,), effect=_on_offer_accepted, roles=CARE_TEAM),
        TransitionSpec("decline_offer", ("allocated",), "waiting_list", N_("Offer declined"),
                       effect=_on_offer_lost, reason_required=msg("Give the reason the offer was declined."),
                       roles=CARE_TEAM),
        TransitionSpec("offer_next", ("waiting_list",), "allocated", N_("Offer the place to the next candidate"),
                       guards=(_place_given,), effect=_on_allocate, screen=HEARING),
        TransitionSpec("expire_offer", ("allocated",), "waiting_list", N_("Offer expired without reply"),
                       guards=(_offer_expired,), effect=_on_offer_lost),
        TransitionSpec("start_move_in", ("offer_accepted",), "moving_in", N_("Lease signed, move-in planned"),
                       guards=(_move_in_date_given,), effect=_on_move_in),
        TransitionSpec("confirm_housed", ("moving_in",), "housed", N_("Moved in"),
                       guards=(_moved_in,), effect=_on_housed),
        TransitionSpec("start_exit", ("housed",), "exiting", N_("Tenancy ending"), effect=_clear_due,
                       reason_required=msg("Give the reason for the exit."), roles=CARE_TEAM),
        TransitionSpec("close", ("exiting",), "closed", N_("Close the file"), effect=_clear_due, screen=Screen.EXIT),
        TransitionSpec("withdraw", states_tagged(CASE_STATES, Tag.BEFORE_HOUSED), "withdrawn",
                       N_("Withdrawn by the person"),
                       effect=_on_withdraw, reason_required=REASON, roles=CARE_TEAM),
        TransitionSpec("reopen", states_tagged(CASE_STATES, Tag.ENDED), "draft", N_("Reopen"),
                       effect=_on_reopen, reason_required=msg("Give the reason for reopening the file.")),
    ),
    importable=IMPORTABLE,
    import_effect=_on_import,
)
