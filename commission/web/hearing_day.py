"""The hearing day: what the chair's session pages read from their forms and show (the session's progress, the
decision form's parts), the room's screen that follows the session, and the usual reasons the coordinator keeps.

The session's own pages (``/hearings/<id>/session`` and its items) are views of :mod:`commission.web.hearings`;
they call the helpers here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from commission import policy
from commission.models.accounts import User
from commission.models.hearings import AgendaItem, Decision, Hearing, ItemKind, VoteChoice
from commission.parsing import as_page
from commission.services import hearings, means
from commission.web.forms import optional_int
from commission.web.i18n import colon, locale_date, locale_time
from commission.web.labels import DECISION_LABELS, ITEM_KIND_LABELS
from commission.web.shell import db, login_required, require_user, settings
from commission.web.unit import attempt
from commission.workflow.hearing import HEARING_MACHINE, decision_fits
from commission.workflow.tags import Tag

bp = Blueprint("hearing_day", __name__)

# What the chair chooses, as verbs (the decision once recorded is named by DECISION_LABELS).
DECISION_CHOICES = [
    (Decision.ALLOCATE, _l("Allocate a place")),
    (Decision.RANKED, _l("Rank as a further candidate for a place")),
    (Decision.WAITING_LIST, _l("Favourable opinion: place on the waiting list")),
    (Decision.DEFER, _l("Defer to a later hearing")),
    (Decision.REFUSE, _l("Refuse")),
    (Decision.REVIEW_NOTED, _l("Follow-up reviewed")),
]
# A member's vote on an item: for (the default: adopted unanimously), or one of the exceptions.
WITHDRAWN = "withdrawn"
VOTE_CHOICES = [(VoteChoice.IN_FAVOUR.value, _l("For")), (VoteChoice.AGAINST.value, _l("Against")),
                (VoteChoice.ABSTAIN.value, _l("Abstention")), (WITHDRAWN, _l("Withdraws (conflict of interest)"))]


def decisions_for(item: AgendaItem) -> list[tuple[Decision, Any]]:
    """The decisions this kind of item may take, as the chair chooses them."""
    return [(decision, label) for decision, label in DECISION_CHOICES if decision_fits(item.kind, decision)]


# ---------------------------------------------------------------- the session's pages


def session_steps(user: User, hearing: Hearing) -> list[Any]:
    """The steps the session's page offers: those that running the session takes (open, close), as the policy
    gives them to this user now (the close once every item is decided)."""
    return [step for step in policy.steps_for(user, HEARING_MACHINE, hearing)
            if policy.HEARING_STEP_ACTIONS.get(step.trigger) is policy.Action.RUN_SESSION]


def session_page(user: User, hearing: Hearing, asked_page: str | None) -> dict[str, Any]:
    """What the session's page shows beside its attendance: where the session stands (counted, never by loading
    every item), its next step, and one page of its items: the page asked for, else the item in hand's."""
    state = hearings.progress(db(), hearing)
    if asked_page is not None or state.current is None:
        page = as_page(asked_page)
    else:
        page = hearings.page_of(hearings.rank_of(db(), state.current))
    return {
        "progress": state, "agenda": hearings.agenda_page(db(), hearing, page), "steps": session_steps(user, hearing),
        "attendance_taken": hearings.attendance_taken(hearing), "slot": lambda item: hearings.slot_of(hearing, item),
        "follows_room": policy.can(user, policy.Action.FOLLOW_SESSION, hearing),
        "timing": timing_words,
    }


def decision_input(form: Mapping[str, str], hearing: Hearing) -> hearings.DecisionInput:
    """The decision form's values: the vote of each member is for unless an exception is chosen (against,
    abstention, or withdrawn for a conflict of interest)."""
    votes: dict[int, str] = {}
    recusals: dict[int, str] = {}
    for attendance in hearing.attendances:
        choice = form.get(f"vote-{attendance.id}", "")
        if choice == WITHDRAWN:
            recusals[attendance.id] = ""
        else:
            votes[attendance.id] = choice
    return hearings.DecisionInput(
        decision=form.get("decision", ""), reason=form.get("reason", ""),
        usual_reason_id=form.get("usual_reason", ""), attended=form.get("attended", ""),
        place_id=form.get("place_id", ""), rank=form.get("rank", ""), deferred_to_id=form.get("deferred_to_id", ""),
        votes=votes, recusals=recusals, note=form.get("note", ""), review_outcome=form.get("review_outcome", ""),
    )


def item_page(user: User, hearing: Hearing, item: AgendaItem, form: Mapping[str, str],
              errors: Mapping[str, list[str]]) -> dict[str, Any]:
    """What the decision form offers: the places that fit (in the towns wished first), the places allocated at
    this hearing (for a further candidate), the later hearings (for a deferral), the usual reasons of each
    decision, the members who vote (their exceptions unfolded when one is chosen or refused)."""
    choices = decisions_for(item)
    places = hearings.fitting_places(db(), item.case) if item.kind is ItemKind.APPLICATION else []
    wished = [place for place in places if hearings.in_wished_town(item.case, place)]
    later = [other for other in hearings.list_hearings(db(), user)
             if other.day > hearing.day and HEARING_MACHINE.means(other.state, Tag.AGENDA_OPEN)]
    voters = [attendance for attendance in hearing.attendances if attendance.counts_for_quorum]
    slot = hearings.slot_of(hearing, item)
    in_hand = item.decision is None and HEARING_MACHINE.means(hearing.state, Tag.SITTING)
    ranked_places = [place for place in hearings.places_allocated_at(db(), hearing)
                     if place.kind is item.case.requested_kind]
    offered = [*places, *ranked_places, *([item.place] if item.place is not None else [])]
    return {
        "decisions": choices, "places": places,
        "place_groups": (wished, [place for place in places if place not in wished]),
        "ranked_places": ranked_places,
        # what each place offered (and the place decided) would leave the person to live on
        "means": means.for_places(db(), user, item.case, offered),
        "later": later, "reasons": hearings.usual_reasons(db(), [decision for decision, _label in choices]),
        "vote_choices": VOTE_CHOICES, "voters": voters,
        "exceptions_open": any(form.get(f"vote-{attendance.id}", "") not in ("", VoteChoice.IN_FAVOUR.value)
                               or f"vote-{attendance.id}" in errors for attendance in voters),
        "slot_text": slot_words(slot), "late": hearings.minutes_late(hearing, item) if in_hand else None,
        "timing": timing_words,
    }


def timing_words(late: int | None) -> str:
    """Whether the session runs late, in words (nothing when it is not the hearing's day)."""
    if late is None:
        return ""
    if late > 0:
        return ngettext("The session runs %(num)s minute late.", "The session runs %(num)s minutes late.", late)
    if late < 0:
        return ngettext("The session is %(num)s minute ahead of its timetable.",
                        "The session is %(num)s minutes ahead of its timetable.", -late)
    return _("The session is on time.")


def slot_words(slot: hearings.Slot | None) -> str:
    if slot is None:
        return ""
    return _("%(start)s to %(end)s", start=locale_time(slot.start), end=locale_time(slot.end))


# ---------------------------------------------------------------- the room's screen


@bp.get("/hearings/<int:hearing_id>/room")
@login_required
def room(hearing_id: int) -> ResponseReturnValue:
    """The room's screen (a projector, a second screen): it follows the session as the chair moves, without a
    reload (room.js asks :func:`room_json`), and reloads itself where no script runs."""
    view = hearings.room_view(db(), require_user(), hearing_id)
    return render_template("hearings/room.html", room=room_data(view), view=view,
                           refresh=settings().room_refresh_seconds)


@bp.get("/hearings/<int:hearing_id>/room.json")
@login_required
def room_json(hearing_id: int) -> ResponseReturnValue:
    data = room_data(hearings.room_view(db(), require_user(), hearing_id))
    return Response(json.dumps(data, ensure_ascii=False), mimetype="application/json")


def room_data(view: hearings.RoomView) -> dict[str, Any]:
    """The room's screen as text, in the reader's language: what the page draws and its script refreshes."""

    def item(shown: hearings.RoomItem | None, *, slot: bool = False, decision: bool = False) -> dict[str, Any] | None:
        if shown is None:
            return None
        number = _("Item %(position)s", position=shown.position)
        decided = str(DECISION_LABELS[shown.decision]) if shown.decision else ""
        text = f"{colon(number)} {shown.person}"
        if decision and decided:
            text = f"{colon(f'{number} ({shown.person})')} {decided}"
        elif slot and shown.slot:
            text = f"{text} — {locale_time(shown.slot.start)}"
        return {"position": shown.position, "person": shown.person, "kind": str(ITEM_KIND_LABELS[shown.kind]),
                "slot": slot_words(shown.slot), "decision": decided, "text": text}

    to_come = [item(shown, slot=True) for shown in view.to_come]
    if view.more:  # the screen lists the next few items only; it says how many follow them
        to_come.append({"more": view.more, "text": ngettext("And %(num)s more item still to decide.",
                                                             "And %(num)s more items still to decide.", view.more)})
    if view.current is not None:
        idle = ""
    elif view.sitting:
        idle = _("Every item is decided.")
    else:
        idle = _("The session is closed.") if view.held else _("The session has not opened yet.")
    return {
        "title": _("Hearing of %(date)s in %(town)s", date=locale_date(view.day), town=view.town),
        "state": _(HEARING_MACHINE.state(view.state).label), "sitting": view.sitting, "idle": idle,
        "current": item(view.current), "last": item(view.last_decided, decision=True),
        "to_come": to_come,
        "progress": _("%(decided)s of %(count)s items decided", decided=view.decided,
                      count=view.decided + view.remaining),
        "timing": timing_words(view.late),
    }


# ---------------------------------------------------------------- the usual reasons


@bp.get("/hearings/usual-reasons")
@login_required
def usual_reasons() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_USUAL_REASONS)
    return _reasons_page({}, {})


def _reasons_page(errors: dict[str, list[str]], values: Mapping[str, str], status: int = 200) -> ResponseReturnValue:
    return render_template("hearings/usual_reasons.html", reasons=hearings.usual_reasons(db(), retired=True),
                           choices=DECISION_CHOICES, labels=DECISION_LABELS, errors=errors, values=values), status


@bp.post("/hearings/usual-reasons")
@login_required
def add_usual_reason() -> ResponseReturnValue:
    user = require_user()
    outcome = attempt(lambda: hearings.add_usual_reason(db(), user, request.form.get("decision", ""),
                                                        request.form.get("text", "")))
    if outcome:
        flash(_("The reason is added to the list."), "success")
        return redirect(url_for("hearing_day.usual_reasons"))
    return _reasons_page(outcome.errors, request.form, outcome.status)


@bp.post("/hearings/usual-reasons/<int:reason_id>")
@login_required
def update_usual_reason(reason_id: int) -> ResponseReturnValue:
    user = require_user()
    if attempt(lambda: hearings.update_usual_reason(db(), user, reason_id, request.form.get("text", ""),
                                                    optional_int(request.form.get("version"))),
               changed=_("This reason changed meanwhile: check it and try again."), flash_refusal=True):
        flash(_("The reason has been changed."), "success")
    return redirect(url_for("hearing_day.usual_reasons") + f"#reason-{reason_id}")


@bp.post("/hearings/usual-reasons/<int:reason_id>/active")
@login_required
def retire_usual_reason(reason_id: int) -> ResponseReturnValue:
    user = require_user()
    active = request.form.get("active") == "1"
    if attempt(lambda: hearings.retire_usual_reason(db(), user, reason_id, active=active,
                                                    expected_version=optional_int(request.form.get("version"))),
               changed=_("This reason changed meanwhile: check it and try again."), flash_refusal=True):
        flash(_("The reason is offered again.") if active else _("The reason is no longer offered."), "success")
    return redirect(url_for("hearing_day.usual_reasons") + f"#reason-{reason_id}")
