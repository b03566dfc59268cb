"""Quarterly hearings: planning, the agenda, the session's attendance and decisions, the minutes.

Each public function is one unit of work: permission, checks, the hearing's (and the cases') steps,
the records and the audit entries, flushed; the caller commits them together, or nothing at all.

The sections live in their own modules: ``reading`` (the hearings, their items, the vacant places and
what the others share), ``planning``, ``agenda`` (with the invitations when convened), ``steps`` (the
hearing machine's steps), ``session`` (attendance and quorum), ``progress`` (where the session stands, and
the room's screen), ``decisions`` (with the usual ``reasons``) and ``minutes``. Callers use the package:
``hearings.fire_hearing(...)``.
"""

from __future__ import annotations

from commission.services.hearings.agenda import (
    SEAT_WORDS,
    Candidates,
    add_item,
    build_agenda,
    candidates,
    capacity,
    move_item,
    remove_item,
)
from commission.services.hearings.decisions import (
    CLOSER_REVIEW_DAYS,
    DECISION_TRIGGERS,
    MAX_RANK,
    REVIEW_INTERVAL_DAYS,
    DecisionInput,
    ItemDecision,
    decide_item,
)
from commission.services.hearings.mine import SeatHearing, seat_hearings
from commission.services.hearings.minutes import current_minutes, update_minutes
from commission.services.hearings.moves import NOTICE_ROLES, get_move, moves, record_move
from commission.services.hearings.planning import (
    DEFAULT_QUORUM,
    DEFAULT_START,
    HEARING_MONTHS,
    PLANNED_KINDS,
    HearingInput,
    default_day,
    details_of,
    next_open_quarter,
    plan_hearing,
    plan_year,
    proposal,
    quarter_of,
    update_hearing,
)
from commission.services.hearings.progress import (
    Progress,
    RoomItem,
    RoomView,
    Slot,
    minutes_late,
    progress,
    room_view,
    slot_of,
)
from commission.services.hearings.reading import (
    HEARING_SORTS,
    HearingFilter,
    chairs,
    fitting_places,
    get_hearing,
    hearing_page,
    hearing_years,
    in_wished_town,
    initials,
    items,
    list_hearings,
    next_hearing,
    places_allocated_at,
    transitions,
    vacancies,
)
from commission.services.hearings.reasons import (
    add_usual_reason,
    retire_usual_reason,
    update_usual_reason,
    usual_reasons,
)
from commission.services.hearings.session import (
    AttendanceInput,
    Quorum,
    add_attendee,
    attendance_taken,
    everyone_present,
    quorum,
    set_attendance,
)
from commission.services.hearings.steps import fire_hearing

__all__ = [
    "CLOSER_REVIEW_DAYS",
    "DECISION_TRIGGERS",
    "DEFAULT_QUORUM",
    "DEFAULT_START",
    "HEARING_MONTHS",
    "HEARING_SORTS",
    "MAX_RANK",
    "NOTICE_ROLES",
    "PLANNED_KINDS",
    "REVIEW_INTERVAL_DAYS",
    "SEAT_WORDS",
    "AttendanceInput",
    "Candidates",
    "DecisionInput",
    "HearingFilter",
    "HearingInput",
    "ItemDecision",
    "Progress",
    "Quorum",
    "RoomItem",
    "RoomView",
    "SeatHearing",
    "Slot",
    "add_attendee",
    "add_item",
    "add_usual_reason",
    "attendance_taken",
    "build_agenda",
    "candidates",
    "capacity",
    "chairs",
    "current_minutes",
    "decide_item",
    "default_day",
    "details_of",
    "everyone_present",
    "fire_hearing",
    "fitting_places",
    "get_hearing",
    "get_move",
    "hearing_page",
    "hearing_years",
    "in_wished_town",
    "initials",
    "items",
    "list_hearings",
    "minutes_late",
    "move_item",
    "moves",
    "next_hearing",
    "next_open_quarter",
    "places_allocated_at",
    "plan_hearing",
    "plan_year",
    "progress",
    "proposal",
    "quarter_of",
    "quorum",
    "record_move",
    "remove_item",
    "retire_usual_reason",
    "room_view",
    "seat_hearings",
    "set_attendance",
    "slot_of",
    "transitions",
    "update_hearing",
    "update_minutes",
    "update_usual_reason",
    "usual_reasons",
    "vacancies",
]
