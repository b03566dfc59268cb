"""The search for new partners: structures and landlords the housing sub-group approaches, followed step by step
(contacted, met, a proposal, the agreement drafted) until the coordinator signs the agreement, which brings the
partner and its agreement into the stock, or until the sub-group gives up, with the reason.

Each step is dated (the day it happened, never later than today), with its note and the next action; the
prospect machine (:mod:`commission.workflow.prospect`) says which step follows which, the policy who takes it.
The coordinator and the accounts seated in the sub-group read (``VIEW_SUBGROUP``) and write
(``RECORD_SUBGROUP``) them; the signing enters the stock, which the coordinator keeps (``MANAGE_STOCK``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.errors import ConcurrentChange, Forbidden, InvalidInput, NotFound, TransitionRefused
from commission.i18n import msg
from commission.models.accounts import User
from commission.models.housing import Place, PlaceKind
from commission.models.prospects import Prospect, ProspectTransition
from commission.models.reference import Organisation, OrganisationKind, Town
from commission.models.tenancy import Renewal
from commission.services import audit
from commission.services.steps import record_step
from commission.services.stock.agreements import AgreementInput, create_agreement, parse_agreement
from commission.services.stock.fields import Errors, _add, _choice, _day, _email, _row, _text, _whole
from commission.services.stock.partners import (
    STOCK_PARTNER_KINDS,
    PartnerInput,
    _partner_errors,
    create_partner,
    parse_partner,
)
from commission.services.unit import flush, locked
from commission.workflow import engine
from commission.workflow.engine import TransitionSpec
from commission.workflow.prospect import PROSPECT_MACHINE, SIGN
from commission.workflow.tags import Tag

MAX_PLACES = 10_000
MAX_NOTE = 5000
DUE_HORIZON_DAYS = 14  # the workspace shows the next actions due within two weeks, and those overdue

# ---------------------------------------------------------------- a prospect's details


@dataclass
class ProspectInput:
    name: str = ""
    kind: str = OrganisationKind.LANDLORD.value
    town_id: str = ""
    contact_name: str = ""
    contact_role: str = ""
    phone: str = ""
    email: str = ""
    places_announced: str = "0"
    place_kind: str = ""
    notes: str = ""
    next_action: str = ""
    next_action_due: str = ""
    organisation_id: str = ""  # an existing partner, if it is one already
    follower_id: str = ""

    @classmethod
    def of(cls, prospect: Prospect) -> ProspectInput:
        return cls(
            name=prospect.name, kind=prospect.kind.value,
            town_id=str(prospect.town_id) if prospect.town_id else "", contact_name=prospect.contact_name,
            contact_role=prospect.contact_role, phone=prospect.phone, email=prospect.email,
            places_announced=str(prospect.places_announced),
            place_kind=prospect.place_kind.value if prospect.place_kind else "", notes=prospect.notes,
            next_action=prospect.next_action,
            next_action_due=prospect.next_action_due.isoformat() if prospect.next_action_due else "",
            organisation_id=str(prospect.organisation_id) if prospect.organisation_id else "",
            follower_id=str(prospect.follower_id) if prospect.follower_id else "",
        )


def followers(session: Session, *, include: int | None = None) -> list[User]:
    """The accounts that may follow a prospect (the coordinator and those seated in the sub-group), by name."""
    users = session.execute(select(User).where(User.active.is_(True)).order_by(User.display_name)).scalars()
    return [user for user in users
            if policy.can(user, policy.Action.RECORD_SUBGROUP) or (include is not None and user.id == include)]


def _parse(session: Session, data: ProspectInput, current: Prospect | None) -> dict[str, Any]:
    errors: Errors = {}
    name = _text(errors, "name", data.name, 200, msg("Give the name of the structure or landlord."))
    kind = _choice(OrganisationKind, data.kind)
    if kind is None or kind not in STOCK_PARTNER_KINDS:
        _add(errors, "kind", msg("Choose a social landlord, a hostel, a residence or a reception structure."))
    town = None
    if (data.town_id or "").strip():
        town = _row(session, Town, data.town_id)
        if town is None:
            _add(errors, "town_id", msg("Choose the town."))
    contact_name = _text(errors, "contact_name", data.contact_name, 200)
    contact_role = _text(errors, "contact_role", data.contact_role, 200)
    phone = _text(errors, "phone", data.phone, 40)
    email = _email(errors, "email", data.email)
    places = _whole(errors, "places_announced", data.places_announced or "0", maximum=MAX_PLACES)
    place_kind = None
    if (data.place_kind or "").strip():
        place_kind = _choice(PlaceKind, data.place_kind)
        if place_kind is None:
            _add(errors, "place_kind", msg("Choose the kind of places."))
    notes = _text(errors, "notes", data.notes, MAX_NOTE)
    next_action = _text(errors, "next_action", data.next_action, 300)
    due = _day(errors, "next_action_due", data.next_action_due, required=False)
    organisation_id = current.organisation_id if current is not None else None
    concluded = current is not None and PROSPECT_MACHINE.means(current.state, Tag.CONCLUDED)
    if not concluded:  # once signed, its partner is the one the agreement binds
        organisation_id = None
        if (data.organisation_id or "").strip():
            organisation = _row(session, Organisation, data.organisation_id)
            kept = organisation is not None and current is not None and current.organisation_id == organisation.id
            if (problem := _partner_errors(organisation, kept=kept)) is not None:
                _add(errors, "organisation_id", problem)
            else:
                assert organisation is not None
                organisation_id = organisation.id
    follower_id = None
    if (data.follower_id or "").strip():
        follower = _row(session, User, data.follower_id)
        kept = follower is not None and current is not None and current.follower_id == follower.id
        if follower is None or not (kept or policy.can(follower, policy.Action.RECORD_SUBGROUP)):
            _add(errors, "follower_id", msg("Choose the coordinator or a member of the sub-group."))
        else:
            follower_id = follower.id
    if errors:
        raise InvalidInput(errors)
    return {"name": name, "kind": kind, "town_id": town.id if town else None, "contact_name": contact_name,
            "contact_role": contact_role, "phone": phone, "email": email, "places_announced": places,
            "place_kind": place_kind, "notes": notes, "next_action": next_action, "next_action_due": due,
            "organisation_id": organisation_id, "follower_id": follower_id}


def create_prospect(session: Session, actor: User, data: ProspectInput) -> Prospect:
    """A new prospect, contacted: whoever records it follows it unless someone else is named."""
    policy.require(actor, policy.Action.RECORD_SUBGROUP)
    values = _parse(session, data, None)
    values["follower_id"] = values["follower_id"] or actor.id
    prospect = Prospect(**values, state=PROSPECT_MACHINE.initial)
    session.add(prospect)
    flush(session)
    # The audit trail names the structure, never its contact person.
    audit.record(session, actor, "prospect.created", "prospect", prospect.id,
                 {"name": prospect.name, "kind": prospect.kind.value, "places_announced": prospect.places_announced})
    flush(session)
    return prospect


def _lock(session: Session, prospect_id: int, expected_version: int | None) -> Prospect:
    prospect = session.execute(locked(select(Prospect).where(Prospect.id == prospect_id))).scalar_one_or_none()
    if prospect is None:
        raise NotFound()
    if expected_version is not None and prospect.version != expected_version:
        raise ConcurrentChange()
    return prospect


def update_prospect(session: Session, actor: User, prospect_id: int, data: ProspectInput,
                    expected_version: int | None) -> Prospect:
    policy.require(actor, policy.Action.RECORD_SUBGROUP)
    prospect = _lock(session, prospect_id, expected_version)
    changed = []
    for name, value in _parse(session, data, prospect).items():
        if getattr(prospect, name) != value:
            setattr(prospect, name, value)
            changed.append(name)
    if changed:
        flush(session)
        audit.record(session, actor, "prospect.updated", "prospect", prospect.id, {"changed": sorted(changed)})
    flush(session)
    return prospect


def get_prospect(session: Session, actor: User, prospect_id: int) -> Prospect:
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    prospect = session.execute(
        select(Prospect).options(joinedload(Prospect.town), joinedload(Prospect.follower),
                                 joinedload(Prospect.organisation), joinedload(Prospect.agreement))
        .where(Prospect.id == prospect_id)
    ).scalar_one_or_none()
    if prospect is None:
        raise NotFound()
    return prospect


# ---------------------------------------------------------------- its steps


def _step_day(errors: Errors, text: str, today: date) -> date | None:
    day = _day(errors, "on", text)
    if day is not None and day > today:
        _add(errors, "on", msg("A step is recorded once it has happened: the date cannot be after today."))
    return day


def _record(session: Session, actor: User, prospect: Prospect, fired: engine.Fired, *, on: date, note: str,
            next_action: str, next_action_due: date | None,
            extra: dict[str, object] | None = None) -> ProspectTransition:
    prospect.next_action, prospect.next_action_due = next_action, next_action_due
    flush(session)
    return record_step(session, ProspectTransition, actor=actor, trigger=fired.trigger, source=fired.source,
                       dest=fired.dest, reason=note, subject="prospect", subject_id=prospect.id,
                       extra={"on": on.isoformat(), **(extra or {})}, prospect_id=prospect.id,
                       prospect_version=prospect.version, on=on, next_action=next_action,
                       next_action_due=next_action_due)


def take_step(session: Session, actor: User, prospect_id: int, trigger: str, *, on: str, note: str = "",
              next_action: str = "", next_action_due: str = "", expected_version: int | None,
              today: date | None = None) -> Prospect:
    """One step of a prospect (the signing has its own form: :func:`sign_prospect`), dated, with its note and
    the next action, which replaces the prospect's."""
    policy.require(actor, policy.Action.RECORD_SUBGROUP)
    today = today or clock.today()
    if trigger not in PROSPECT_MACHINE.triggers():
        raise NotFound()
    if trigger == SIGN:
        raise TransitionRefused(msg("An agreement is signed from its own form, with its reference and dates."))
    prospect = _lock(session, prospect_id, expected_version)
    if not policy.may_take(actor, PROSPECT_MACHINE, trigger, prospect):
        raise Forbidden()
    transition = PROSPECT_MACHINE.find(trigger, prospect.state)
    if transition is None:
        raise TransitionRefused(msg("This step is not possible from the prospect's current state."))
    errors: Errors = {}
    day = _step_day(errors, on, today)
    cleaned_note = _text(errors, "note", note, MAX_NOTE)
    if transition.reason_required is not None and not cleaned_note:
        _add(errors, "note", transition.reason_required)
    action = _text(errors, "next_action", next_action, 300)
    due = _day(errors, "next_action_due", next_action_due, required=False)
    if errors:
        raise InvalidInput(errors)
    assert day is not None
    fired = engine.fire(PROSPECT_MACHINE, prospect, trigger,
                        engine.FireContext(actor=actor, today=today, reason=cleaned_note))
    _record(session, actor, prospect, fired, on=day, note=cleaned_note, next_action=action, next_action_due=due)
    flush(session)
    return prospect


@dataclass
class SignInput:
    reference: str = ""
    title: str = ""
    start_date: str = ""
    end_date: str = ""
    renewal: str = Renewal.EXPLICIT.value
    notice_months: str = "3"
    signed_on: str = ""
    note: str = ""


def _partner_input(prospect: Prospect) -> PartnerInput:
    return PartnerInput(name=prospect.name, kind=prospect.kind.value,
                        town_id=str(prospect.town_id) if prospect.town_id else "", phone=prospect.phone,
                        email=prospect.email)


def _agreement_input(data: SignInput, organisation_id: int | None) -> AgreementInput:
    return AgreementInput(organisation_id=str(organisation_id or ""), reference=data.reference, title=data.title,
                          start_date=data.start_date, end_date=data.end_date, renewal=data.renewal,
                          notice_months=data.notice_months, notes=data.note)


def _check_signing(session: Session, prospect: Prospect, data: SignInput, today: date) -> date:
    """Every refusal of the signing, before anything is written: the day, the partner to create, the agreement."""
    errors: Errors = {}
    day = _day(errors, "signed_on", data.signed_on)
    if day is not None and day > today:
        _add(errors, "signed_on", msg("Record the signing once it has happened: the date cannot be after today."))
    _text(errors, "note", data.note, MAX_NOTE)
    if prospect.organisation_id is None:
        try:
            parse_partner(session, _partner_input(prospect), None)
        except InvalidInput as invalid:
            if "name" in invalid.errors:
                _add(errors, "", msg("An organisation named %(name)s is already recorded: name it as this "
                                     "prospect's partner (edit the prospect), then sign.", name=prospect.name))
            else:
                _add(errors, "", msg("The prospect's details cannot make a partner: correct them (edit the "
                                     "prospect), then sign."))
    try:
        # A stand-in partner when there is none yet: the agreement's own fields are checked the same way.
        stand_in = prospect.organisation_id or session.execute(
            select(Organisation.id).where(Organisation.kind.in_(STOCK_PARTNER_KINDS), Organisation.active)
            .limit(1)).scalar()
        parse_agreement(session, _agreement_input(data, stand_in), None)
    except InvalidInput as invalid:
        for name, messages in invalid.errors.items():
            if name != "organisation_id" or prospect.organisation_id is not None:
                for message in messages:
                    _add(errors, "" if name == "organisation_id" else name, message)
    if errors:
        raise InvalidInput(errors)
    assert day is not None
    return day


def sign_prospect(session: Session, actor: User, prospect_id: int, data: SignInput,
                  expected_version: int | None, today: date | None = None) -> Prospect:
    """The coordinator signs the drafted agreement: the partner is created when the prospect names none, then
    the agreement, then the step; all in the caller's unit of work, and nothing written on any refusal."""
    policy.require(actor, policy.Action.MANAGE_STOCK)
    today = today or clock.today()
    prospect = _lock(session, prospect_id, expected_version)
    if not policy.may_take(actor, PROSPECT_MACHINE, SIGN, prospect):
        raise Forbidden()
    if PROSPECT_MACHINE.find(SIGN, prospect.state) is None:
        raise TransitionRefused(msg("Only a drafted agreement can be signed."))
    day = _check_signing(session, prospect, data, today)
    if prospect.organisation_id is None:
        organisation_id = create_partner(session, actor, _partner_input(prospect)).id
    else:
        organisation_id = prospect.organisation_id
    agreement = create_agreement(session, actor, _agreement_input(data, organisation_id))
    fired = engine.fire(PROSPECT_MACHINE, prospect, SIGN, engine.FireContext(
        actor=actor, today=today, reason=data.note.strip(),
        values={"agreement_id": agreement.id, "organisation_id": organisation_id}))
    _record(session, actor, prospect, fired, on=day, note=data.note.strip(), next_action="", next_action_due=None,
            extra={"agreement_id": agreement.id, "organisation_id": organisation_id})
    flush(session)
    return prospect


# ---------------------------------------------------------------- reading


def _open_first() -> Sequence[Any]:
    return (case((Prospect.state.in_(PROSPECT_MACHINE.tagged(Tag.PURSUED)), 0), else_=1),
            Prospect.next_action_due.is_(None), Prospect.next_action_due, func.lower(Prospect.name), Prospect.id)


def list_prospects(session: Session, actor: User, *, state: str | None = None) -> list[Prospect]:
    """Open prospects first, the soonest next action first; then the signed and abandoned ones."""
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    query = select(Prospect).options(joinedload(Prospect.town), joinedload(Prospect.follower))
    if state is not None:
        query = query.where(Prospect.state == state)
    return list(session.execute(query.order_by(*_open_first())).scalars())


@dataclass(frozen=True)
class StepRow:
    on: date
    trigger: str
    from_state: str | None
    to_state: str
    actor_name: str
    note: str
    next_action: str
    next_action_due: date | None


@dataclass(frozen=True)
class ProspectView:
    prospect: Prospect
    steps: list[StepRow]  # the timeline, newest first
    offered: list[TransitionSpec]  # the steps this user may take from the step form (the signing apart)
    may_sign: bool  # the signing form, for whoever keeps the stock, once the agreement is drafted
    may_edit: bool
    places: list[Place]  # once signed: the places its agreement brings

    @property
    def places_missing(self) -> int:
        return max(self.prospect.places_announced - len(self.places), 0)


def prospect_view(session: Session, actor: User, prospect_id: int) -> ProspectView:
    prospect = get_prospect(session, actor, prospect_id)
    rows = session.execute(
        select(ProspectTransition).where(ProspectTransition.prospect_id == prospect.id)
        .order_by(ProspectTransition.on.desc(), ProspectTransition.prospect_version.desc())
    ).scalars()
    steps = [StepRow(row.on, row.trigger, row.from_state, row.to_state, row.actor_name, row.reason,
                     row.next_action, row.next_action_due) for row in rows]
    available = policy.steps_for(actor, PROSPECT_MACHINE, prospect)
    places: list[Place] = []
    if prospect.agreement_id is not None:
        places = list(session.execute(
            select(Place).options(joinedload(Place.town)).where(Place.agreement_id == prospect.agreement_id)
            .order_by(Place.reference)).scalars())
    return ProspectView(prospect, steps, [step for step in available if step.trigger != SIGN],
                        any(step.trigger == SIGN for step in available),
                        policy.can(actor, policy.Action.RECORD_SUBGROUP), places)


@dataclass(frozen=True)
class DueAction:
    prospect: Prospect
    overdue: bool


@dataclass(frozen=True)
class ProspectsInProgress:
    counts: list[tuple[str, int]]  # the open states, in the machine's order, with how many prospects are in each
    due: list[DueAction]  # the next actions due within two weeks, or overdue, soonest first


def prospects_in_progress(session: Session, actor: User, today: date | None = None) -> ProspectsInProgress:
    """For the sub-group's workspace: how many prospects are at each open step, and the next actions due."""
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    today = today or clock.today()
    pursued = PROSPECT_MACHINE.tagged(Tag.PURSUED)
    found: dict[str, int] = {state: count for state, count in session.execute(
        select(Prospect.state, func.count()).where(Prospect.state.in_(pursued)).group_by(Prospect.state)).all()}
    due = session.execute(
        select(Prospect).where(Prospect.state.in_(pursued), Prospect.next_action_due.is_not(None),
                               Prospect.next_action_due <= today + timedelta(days=DUE_HORIZON_DAYS))
        .order_by(Prospect.next_action_due, Prospect.id).limit(20)
    ).scalars()
    return ProspectsInProgress([(state, found.get(state, 0)) for state in pursued],
                               [DueAction(prospect, prospect.next_action_due is not None
                                          and prospect.next_action_due < today) for prospect in due])
