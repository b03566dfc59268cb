"""A file's steps through the case machine, and the place a declined offer passes on to."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.errors import Forbidden, InvalidInput, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.housing import Place
from commission.services import tenancy
from commission.services.cases.editing import _record_transition, _text
from commission.services.cases.reading import _case_query, _load_for_change
from commission.services.letters import writing
from commission.services.unit import flush, locked
from commission.workflow import engine
from commission.workflow.case import CASE_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Screen, Tag

# ---------------------------------------------------------------- workflow


def _check_place(session: Session, case: Case, context: engine.FireContext) -> Message | None:
    place = context.values.get("place")
    if place is None:
        return None
    if not place.active:
        return msg("This place is no longer in the stock.")
    if case.requested_kind is not None and place.kind is not case.requested_kind:
        return msg("This place is not of the kind the person asked for.")
    holder = session.execute(
        select(Case.id).where(Case.allocated_place_id == place.id, Case.state.in_(CASE_MACHINE.tagged(Tag.HOLDS_PLACE)),
                              Case.id != case.id)
    ).first()
    if holder is not None:
        return msg("This place is already allocated to another person.")
    if not PLACE_MACHINE.means(place.state, Tag.ALLOCATABLE) and place.id != case.allocated_place_id:
        return msg("This place is not available at the moment.")
    return None


def fire_case(
    session: Session, actor: User, case_id: int, trigger: str, *, expected_version: int | None,
    reason: str = "", comment: str = "", values: dict[str, Any] | None = None, today: date | None = None,
) -> Case:
    """Take one step of the case machine: the state, the transition record and the audit entry are
    written together, or nothing is."""
    case = _load_for_change(session, actor, case_id, policy.Action.FIRE_CASE, expected_version, whole=False)
    if trigger not in CASE_MACHINE.triggers():
        raise TransitionRefused(msg("This step does not exist."))
    if not policy.can_fire(actor, trigger, case):
        raise Forbidden()
    if trigger in CASE_MACHINE.on_screen(Screen.EXIT):
        # Closing a tenancy records why and how it ended: the exit's own service takes this step.
        raise TransitionRefused(msg("A tenancy ends with the exit's record (its reason, its date, the state of the "
                                    "place): use “Record the exit”."))
    take_step(session, actor, case, trigger, reason=reason, comment=comment, values=values, today=today)
    flush(session)
    return case


def take_step(
    session: Session, actor: User | None, case: Case, trigger: str, *, reason: str = "", comment: str = "",
    values: dict[str, Any] | None = None, today: date | None = None,
) -> engine.Fired:
    """One step of a case loaded for change, inside the caller's transaction (not committed).

    For the services that own a step: the caller has checked who may take it (the hearing's service,
    for the decisions its session records). A declined or expired offer passes the place on to the
    next candidate the hearing ranked for it, in the same transaction.
    """
    values = dict(values or {})
    if "place_id" in values:
        place_id = values.pop("place_id")
        # Locked while the step is taken: two allocations of one place queue up (PostgreSQL).
        values["place"] = session.execute(
            locked(select(Place).where(Place.id == place_id))
        ).scalar_one_or_none() if isinstance(place_id, int) else None
        if values["place"] is None:
            raise InvalidInput({"place_id": [msg("Choose the place that is allocated.")]})
    context = engine.FireContext(
        actor=actor, today=today or clock.today(), reason=_text(reason), comment=_text(comment), values=values,
    )
    place_before, deadline_before = case.allocated_place_id, case.offer_deadline
    fired = engine.fire(
        CASE_MACHINE, case, trigger, context,
        check_guards=(lambda record, ctx: _check_place(session, record, ctx),),
    )
    flush(session)
    _record_transition(session, case, actor, trigger, fired.source, fired.dest, context.reason, context.comment)
    tenancy.follow(session, actor, case, trigger, fired.source, place_before, context.today, context.reason)
    if trigger in writing.ALLOCATING and values.get("place") is not None:
        from commission.services import commitments

        # The three-party care and reintegration project goes with the allocation: drafted from the file now.
        commitments.draft_at_allocation(session, actor, case, values["place"], context.today)
    lost = trigger == "expire_offer" and place_before is not None
    writing.after_case_step(session, actor, case, trigger, context.today, {
        "place": values.get("place") or values.get("ranked_place") or (session.get(Place, place_before) if lost
                                                                        else None),
        "rank": values.get("rank"), "hearing_day": values.get("hearing_day"), "reason": context.reason,
        "reply_by": deadline_before if lost else None,
    })
    if trigger in ("decline_offer", "expire_offer") and place_before is not None:
        _offer_to_next_candidate(session, actor, case, place_before, context.today)
    return fired


def _offer_to_next_candidate(session: Session, actor: User | None, case: Case, place_id: int, today: date) -> None:
    """The place a person declined goes to the next candidate the hearing ranked for it, if any."""
    from commission.models.hearings import AgendaItem, Decision, Hearing

    ranking = session.execute(
        select(AgendaItem).where(AgendaItem.case_id == case.id, AgendaItem.place_id == place_id,
                                 AgendaItem.decision.in_([Decision.ALLOCATE, Decision.RANKED]))
        .order_by(AgendaItem.id.desc())
    ).scalars().first()
    if ranking is None:
        return
    hearing = session.get(Hearing, ranking.hearing_id)
    assert hearing is not None
    candidates = session.execute(
        select(AgendaItem).join(Case, Case.id == AgendaItem.case_id)
        .where(AgendaItem.hearing_id == ranking.hearing_id, AgendaItem.place_id == place_id,
               AgendaItem.decision == Decision.RANKED, AgendaItem.rank > (ranking.rank or 1),
               Case.state.in_(CASE_MACHINE.tagged(Tag.ON_WAITING_LIST)))
        .order_by(AgendaItem.rank)
    ).scalars().all()
    for candidate in candidates:
        following = session.execute(
            locked(_case_query().where(Case.id == candidate.case_id), of=Case)
        ).unique().scalar_one()
        if _check_place(session, following, engine.FireContext(actor=actor, today=today,
                                                               values={"place": session.get(Place, place_id)})):
            return  # the place is taken meanwhile: nobody else gets it from this ranking
        take_step(session, actor, following, "offer_next", values={"place_id": place_id}, today=today,
                  reason=str(msg("Next candidate ranked for this place at the hearing of %(date)s.",
                                 date=hearing.day.isoformat())))
        return
