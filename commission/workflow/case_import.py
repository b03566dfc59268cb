"""How a file arrives from a spreadsheet in its current state: the steps known of its history, and what it needs.

A file is created as a draft by the application's own service, then brought to its current state by the case
machine's import step (``import_<state>``, :data:`commission.workflow.case.IMPORTABLE`). What the spreadsheet
dates (the application filed, the decision, the move-in, the exit) is recorded before it as the machine's own
steps, dated (:data:`HISTORY`): the file's timeline reads as it happened on paper. Each dated fact is a column of
the people's import, named here by the fact (never a state).
"""

from __future__ import annotations

from dataclasses import dataclass

from commission.i18n import Message, msg
from commission.workflow.case import CASE_MACHINE, IMPORTABLE
from commission.workflow.tags import Tag

SUBMITTED_ON, DECIDED_ON, MOVED_IN_ON, EXIT_ON = "submitted_on", "decision_on", "moved_in_on", "exit_on"
DATED = (SUBMITTED_ON, DECIDED_ON, MOVED_IN_ON, EXIT_ON)  # in the order they happen


@dataclass(frozen=True)
class Past:
    """One step of the file's past, known by the day it was taken (the fact ``day`` names)."""

    day: str
    trigger: str
    source: str
    dest: str


_SUBMIT = Past(SUBMITTED_ON, "submit", "draft", "submitted")
_ALLOCATE = Past(DECIDED_ON, "allocate", "heard", "allocated")
_HOUSED = Past(MOVED_IN_ON, "confirm_housed", "moving_in", "housed")

# The steps that led to each state a file may be imported in, as far as the dates known tell them.
HISTORY: dict[str, tuple[Past, ...]] = {
    "draft": (),
    "submitted": (_SUBMIT,),
    "incomplete": (_SUBMIT, Past(DECIDED_ON, "return_incomplete", "submitted", "incomplete")),
    "ready": (_SUBMIT, Past(DECIDED_ON, "mark_ready", "submitted", "ready")),
    "waiting_list": (_SUBMIT, Past(DECIDED_ON, "place_on_waiting_list", "heard", "waiting_list")),
    "deferred": (_SUBMIT, Past(DECIDED_ON, "defer", "heard", "deferred")),
    "refused": (_SUBMIT, Past(DECIDED_ON, "refuse", "heard", "refused")),
    "offer_accepted": (_SUBMIT, _ALLOCATE),
    "moving_in": (_SUBMIT, _ALLOCATE),
    "housed": (_SUBMIT, _ALLOCATE, _HOUSED),
    "closed": (_SUBMIT, _ALLOCATE, _HOUSED, Past(EXIT_ON, "close", "exiting", "closed")),
    "withdrawn": (_SUBMIT, Past(DECIDED_ON, "withdraw", "submitted", "withdrawn")),
}
assert set(HISTORY) == set(IMPORTABLE)
# The move-in planned (not yet taken) of a file moving in.
_PLANNED_MOVE_IN = frozenset({"moving_in"})
# The step whose reason a state's reason stands for (what is missing, awaited, why refused or withdrawn).
_REASON_OF = {"incomplete": "return_incomplete", "deferred": "defer", "refused": "refuse", "withdrawn": "withdraw"}


def importable(state: str) -> bool:
    return state in HISTORY


def past(state: str) -> tuple[Past, ...]:
    return HISTORY[state]


def days_of(state: str) -> frozenset[str]:
    """The dated facts a file in this state may give."""
    days = {step.day for step in HISTORY[state]}
    return frozenset(days | ({MOVED_IN_ON} if state in _PLANNED_MOVE_IN else set()))


def days_required(state: str) -> frozenset[str]:
    """The dated facts a file in this state must give: the move-in of a person housed or moving in."""
    return frozenset({MOVED_IN_ON}) if state in _PLANNED_MOVE_IN or CASE_MACHINE.means(state, Tag.HOUSED) \
        else frozenset()


def may_be_in_future(state: str, day: str) -> bool:
    return day == MOVED_IN_ON and state in _PLANNED_MOVE_IN


def needs_place(state: str) -> bool:
    """A file that holds its place names it (one holder per place)."""
    return CASE_MACHINE.means(state, Tag.HOLDS_PLACE)


def may_name_place(state: str) -> bool:
    """A file that held a place (its tenancy over) may name it too."""
    return needs_place(state) or CASE_MACHINE.means(state, Tag.TENANCY)


def place_state(state: str) -> str | None:
    """The state the place a file holds arrives in: offered before the move-in, occupied after."""
    if not needs_place(state):
        return None
    return "offered" if CASE_MACHINE.means(state, Tag.BEFORE_HOUSED) else "occupied"


def lives_there(state: str) -> bool:
    """The person lives in the place: the occupancy starts at the move-in."""
    return CASE_MACHINE.means(state, Tag.FOLLOWED)


def reason_needed(state: str) -> Message | None:
    """What the reason column must say for a file in this state, if it must (the step's own request)."""
    trigger = _REASON_OF.get(state)
    if trigger is None:
        return None
    step = next(step for step in CASE_MACHINE.transitions if step.trigger == trigger)
    return step.reason_required or msg("Say why.")
