"""Orienting a person, with their consent, towards structures of the territory, and following each answer.

From the person's file (in any state: a refused or withdrawn applicant is oriented as well as a person housed),
the coordinator or the file's care team (``ORIENT``, checked on the file) sends one orientation per structure:
why this structure, what is asked of it, the day the person agreed, the day it was sent. Each is then followed
by the orientation machine (:mod:`commission.workflow.orientation`): accepted (the person is followed there, on
the council's books though outside its places), declined (with the structure's reason), ended. Every step is
dated with the day it happened, never later than today nor before the orientation was sent.

The audit trail names the file and the structure, never the free text (the reason, the request, the notes):
those stay in the rows, which the retention rules can erase.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.errors import ConcurrentChange, Forbidden, InvalidInput, NotFound, TransitionRefused
from commission.i18n import msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.directory import Orientation, OrientationTransition, Structure
from commission.services.cases.reading import refuse_if_anonymised
from commission.services.steps import record_step
from commission.services.stock.fields import Errors, _add, _day, _text
from commission.services.unit import flush, locked
from commission.workflow import engine
from commission.workflow.engine import TransitionSpec
from commission.workflow.orientation import ORIENTATION_MACHINE
from commission.workflow.tags import Tag

MAX_TEXT = 2000
MAX_NOTE = 5000
SENT = "orient"  # the trigger the first step's record carries: the orientation sent


@dataclass
class OrientationInput:
    """What the form sends; ``structure_id`` may name several structures: one orientation each."""

    structure_id: str | Sequence[str] = ""
    reason: str = ""
    request: str = ""
    consent_on: str = ""
    sent_on: str = ""

    @property
    def structure_ids(self) -> list[str]:
        raw = [self.structure_id] if isinstance(self.structure_id, str) else list(self.structure_id)
        return list(dict.fromkeys(value.strip() for value in raw if value and value.strip()))


def _open_states() -> tuple[str, ...]:
    return ORIENTATION_MACHINE.tagged(Tag.AWAITING_ANSWER) + ORIENTATION_MACHINE.tagged(Tag.FOLLOWED_THERE)


def _case(session: Session, case_id: int) -> Case:
    case = session.execute(select(Case).options(joinedload(Case.applicant)).where(Case.id == case_id)
                           ).unique().scalar_one_or_none()
    if case is None:
        raise NotFound()
    return case


def _structures(session: Session, errors: Errors, case: Case, ids: list[str]) -> list[Structure]:
    if not ids:
        _add(errors, "structure_id", msg("Choose at least one structure of the directory."))
        return []
    wanted = [int(value) for value in ids if value.isdigit()]
    found = {row.id: row for row in session.execute(select(Structure).where(Structure.id.in_(wanted))).scalars()}
    if len(wanted) != len(ids) or any(found.get(value) is None or not found[value].active for value in wanted):
        _add(errors, "structure_id", msg("Choose structures of the directory that are still open."))
        return []
    still_open = set(session.execute(
        select(Orientation.structure_id).where(Orientation.case_id == case.id, Orientation.structure_id.in_(wanted),
                                               Orientation.state.in_(_open_states()))).scalars())
    for value in wanted:
        if value in still_open:
            _add(errors, "structure_id", msg("This person is already oriented towards %(name)s, still open: record "
                                             "its answer rather than send it again.", name=found[value].name))
    return [found[value] for value in wanted]


def orient(session: Session, actor: User, case_id: int, data: OrientationInput,
           today: date | None = None) -> list[Orientation]:
    """One orientation per structure chosen, all or nothing, each with its first step (sent)."""
    policy.require(actor, policy.Action.ORIENT)
    today = today or clock.today()
    case = _case(session, case_id)
    policy.require(actor, policy.Action.ORIENT, case)
    refuse_if_anonymised(case)
    errors: Errors = {}
    structures = _structures(session, errors, case, data.structure_ids)
    reason = _text(errors, "reason", data.reason, MAX_TEXT, missing=msg("Say why this structure."))
    request = _text(errors, "request", data.request, MAX_TEXT)
    consent_on = _day(errors, "consent_on", data.consent_on)
    if consent_on is not None and consent_on > today:
        _add(errors, "consent_on", msg("The person's consent is given before the orientation: the date cannot be "
                                       "after today."))
    sent_on = _day(errors, "sent_on", data.sent_on)
    if sent_on is not None and sent_on > today:
        _add(errors, "sent_on", msg("An orientation is recorded once sent: the date cannot be after today."))
    elif sent_on is not None and consent_on is not None and sent_on < consent_on:
        _add(errors, "sent_on", msg("The orientation is sent once the person has agreed: not before %(date)s.",
                                    date=consent_on))
    if errors:
        raise InvalidInput(errors)
    assert consent_on is not None and sent_on is not None
    made = []
    for structure in structures:
        orientation = Orientation(case_id=case.id, structure_id=structure.id, reason=reason, request=request,
                                  consent_on=consent_on, sent_on=sent_on, state=ORIENTATION_MACHINE.initial,
                                  created_by_id=actor.id)
        session.add(orientation)
        flush(session)
        record_step(session, OrientationTransition, actor=actor, trigger=SENT, source=None,
                    dest=ORIENTATION_MACHINE.initial, reason="", subject="orientation", subject_id=orientation.id,
                    extra={"case_id": case.id, "structure_id": structure.id, "on": sent_on.isoformat()},
                    orientation_id=orientation.id, orientation_version=orientation.version, on=sent_on)
        made.append(orientation)
    flush(session)
    return made


# ---------------------------------------------------------------- its steps


def _lock(session: Session, orientation_id: int, expected_version: int | None) -> Orientation:
    orientation = session.execute(
        locked(select(Orientation).where(Orientation.id == orientation_id))).scalar_one_or_none()
    if orientation is None:
        raise NotFound()
    if expected_version is not None and orientation.version != expected_version:
        raise ConcurrentChange()
    return orientation


def take_step(session: Session, actor: User, orientation_id: int, trigger: str, *, on: str, note: str = "",
              expected_version: int | None, today: date | None = None) -> Orientation:
    """The structure's answer (accepted, declined with its reason) or the end of the follow-up there, dated."""
    policy.require(actor, policy.Action.ORIENT)
    today = today or clock.today()
    if trigger not in ORIENTATION_MACHINE.triggers():
        raise NotFound()
    orientation = _lock(session, orientation_id, expected_version)
    if not policy.may_take(actor, ORIENTATION_MACHINE, trigger, orientation):
        raise Forbidden()
    refuse_if_anonymised(orientation.case)
    transition = ORIENTATION_MACHINE.find(trigger, orientation.state)
    if transition is None:
        raise TransitionRefused(msg("This step is not possible from the orientation's current state."))
    errors: Errors = {}
    day = _day(errors, "on", on)
    if day is not None and day > today:
        _add(errors, "on", msg("A step is recorded once it has happened: the date cannot be after today."))
    elif day is not None and day < orientation.sent_on:
        _add(errors, "on", msg("The orientation was sent on %(date)s: the step cannot come before.",
                               date=orientation.sent_on))
    cleaned = _text(errors, "note", note, MAX_NOTE)
    if transition.reason_required is not None and not cleaned:
        _add(errors, "note", transition.reason_required)
    if errors:
        raise InvalidInput(errors)
    assert day is not None
    fired = engine.fire(ORIENTATION_MACHINE, orientation, trigger,
                        engine.FireContext(actor=actor, today=today, reason=cleaned, values={"on": day}))
    flush(session)
    record_step(session, OrientationTransition, actor=actor, trigger=fired.trigger, source=fired.source,
                dest=fired.dest, reason=cleaned, subject="orientation", subject_id=orientation.id,
                extra={"case_id": orientation.case_id, "on": day.isoformat()}, orientation_id=orientation.id,
                orientation_version=orientation.version, on=day)
    flush(session)
    return orientation


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class StepRow:
    on: date
    trigger: str
    to_state: str
    actor_name: str
    note: str


@dataclass(frozen=True)
class OrientationView:
    orientation: Orientation
    steps: list[StepRow]  # oldest first, the sending included
    offered: list[TransitionSpec] = field(default_factory=list)  # the steps this user may take


def orientations_of_case(session: Session, actor: User, case_id: int) -> list[OrientationView]:
    """The file's orientations, the open ones first then the newest, with their steps; two queries (the file
    is the one already loaded for the page)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound()
    policy.require(actor, policy.Action.ORIENT, case)
    rows = list(session.execute(
        select(Orientation).options(joinedload(Orientation.structure)).where(Orientation.case_id == case_id)
        .order_by(Orientation.sent_on.desc(), Orientation.id.desc())).scalars())
    steps: dict[int, list[StepRow]] = {row.id: [] for row in rows}
    if rows:
        for step in session.execute(
                select(OrientationTransition).where(OrientationTransition.orientation_id.in_(list(steps)))
                .order_by(OrientationTransition.orientation_version)).scalars():
            steps[step.orientation_id].append(StepRow(step.on, step.trigger, step.to_state, step.actor_name,
                                                      step.reason))
    still_open = set(_open_states())
    rows.sort(key=lambda row: row.state not in still_open)  # stable: the newest first within each
    return [OrientationView(row, steps[row.id], policy.steps_for(actor, ORIENTATION_MACHINE, row)) for row in rows]


def active_structures(session: Session, actor: User) -> list[Structure]:
    """The structures one may orient towards: the open ones, by name (the page groups them by need)."""
    policy.require(actor, policy.Action.ORIENT)
    return list(session.execute(select(Structure).options(joinedload(Structure.town))
                                .where(Structure.active).order_by(Structure.name, Structure.id)).scalars())


def get_case_for_orientation(session: Session, actor: User, case_id: int) -> Case:
    """The file the orientation form is for: reachable by the user, and not anonymised."""
    policy.require(actor, policy.Action.ORIENT)
    case = _case(session, case_id)
    policy.require(actor, policy.Action.ORIENT, case)
    return case
