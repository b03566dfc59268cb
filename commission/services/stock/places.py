"""The places of the stock: the place machine's steps, creating and editing a place, and one place as
its page shows it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.errors import ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.housing import Place, PlaceKind, PlaceTransition
from commission.models.reference import Organisation, Town
from commission.models.tenancy import Agreement, LeaseKind, Occupancy
from commission.services import audit, reference
from commission.services.steps import record_step
from commission.services.stock.fields import (
    Errors,
    _add,
    _amount,
    _choice,
    _row,
    _text,
    _whole,
    euros,
)
from commission.services.stock.partners import _partner_errors
from commission.services.unit import flush, locked
from commission.workflow import engine
from commission.workflow.case import CASE_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Screen, Tag

# ---------------------------------------------------------------- the place machine's steps


def _holder(session: Session, place_id: int) -> int | None:
    """The file holding the place (allocated, moving in, housed, leaving), if any."""
    return session.execute(
        select(Case.id).where(Case.allocated_place_id == place_id,
                              Case.state.in_(CASE_MACHINE.tagged(Tag.HOLDS_PLACE))).limit(1)
    ).scalar_one_or_none()


def _current_occupancy(session: Session, place_id: int) -> Occupancy | None:
    return session.execute(
        select(Occupancy).where(Occupancy.place_id == place_id, Occupancy.ended_on.is_(None))
    ).scalar_one_or_none()


def _nobody_holds(session: Session) -> engine.Guard:
    def guard(place: Place, _context: engine.FireContext) -> Message | None:
        if _holder(session, place.id) is not None or _current_occupancy(session, place.id) is not None:
            return msg("A person holds this place (allocated, living there or leaving): it stays in the stock "
                       "until they have left.")
        return None

    return guard


def _agreement_in_force(session: Session) -> engine.Guard:
    def guard(place: Place, _context: engine.FireContext) -> Message | None:
        agreement = session.get(Agreement, place.agreement_id) if place.agreement_id else None
        if agreement is not None and agreement.ended_at is not None:
            return msg("Its agreement has ended: attach the place to an agreement in force first.")
        return None

    return guard


def _nobody_lives_there(session: Session) -> engine.Guard:
    def guard(place: Place, _context: engine.FireContext) -> Message | None:
        if _current_occupancy(session, place.id) is not None:
            return msg("Someone still lives there: record their exit first.")
        return None

    return guard


def _step_guards(session: Session, trigger: str) -> tuple[engine.Guard, ...]:
    if trigger == "withdraw":
        return (_nobody_holds(session),)
    if trigger == "reinstate":
        return (_agreement_in_force(session),)
    if trigger == "make_available":
        return (_nobody_lives_there(session),)
    return ()


def record_place_step(session: Session, actor: User | None, place: Place, trigger: str, source: str | None,
                      dest: str, reason: str = "") -> PlaceTransition:
    """The transition row and the audit entry of one step (the place already flushed with its new version)."""
    return record_step(session, PlaceTransition, actor=actor, trigger=trigger, source=source, dest=dest,
                       reason=reason, subject="place", subject_id=place.id, place_id=place.id,
                       place_version=place.version)


def fire_place(session: Session, actor: User | None, place: Place, trigger: str, context: engine.FireContext,
               *, check_guards: Sequence[engine.Guard] = ()) -> engine.Fired:
    """One step of the place machine inside the caller's unit of work (not committed): the state, the
    transition record and the audit entry. The caller has locked the place. Other services (the
    allocation, the move-in, the exit) may take their steps (offer, occupy, vacate...) through it."""
    fired = engine.fire(PLACE_MACHINE, place, trigger, context,
                        check_guards=(*_step_guards(session, trigger), *check_guards))
    flush(session)
    record_place_step(session, actor, place, trigger, fired.source, fired.dest,
                      context.reason or str(context.values.get("inventory", "")).strip())
    return fired


def _lock_place(session: Session, actor: User, place_id: int, expected_version: int | None) -> Place:
    policy.require(actor, policy.Action.MANAGE_STOCK)
    place = session.execute(locked(select(Place).where(Place.id == place_id))).scalar_one_or_none()
    if place is None:
        raise NotFound()
    policy.require(actor, policy.Action.MANAGE_STOCK, place)
    if expected_version is not None and place.version != expected_version:
        raise ConcurrentChange()
    return place


def take_place_step(session: Session, actor: User, place_id: int, trigger: str, *, expected_version: int | None,
                    reason: str = "", inventory: str = "", today: date | None = None) -> Place:
    """One of the coordinator's steps: make available (after works, with the exit inventory), withdraw
    (with a reason; only a free place), reinstate. Refused with the reasons when the machine says no."""
    policy.require(actor, policy.Action.MANAGE_STOCK)
    if trigger not in PLACE_MACHINE.on_screen(Screen.RECORD):
        raise TransitionRefused(msg("This step follows a person's file; it is not taken here."))
    place = _lock_place(session, actor, place_id, expected_version)
    if PLACE_MACHINE.find(trigger, place.state) is None:
        if trigger == "withdraw" and PLACE_MACHINE.means(place.state, Tag.TAKEN):
            raise TransitionRefused(msg("This place is offered or occupied: it can leave the stock only once "
                                        "vacated."))
        raise TransitionRefused(msg("This step is not possible from the place's current state."))
    if trigger == "make_available" and not inventory.strip():
        raise InvalidInput({"inventory": [msg("Record the inventory of fixtures at the exit.")]})
    if trigger == "withdraw" and not reason.strip():
        raise InvalidInput({"reason": [msg("Say why the place leaves the stock.")]})
    context = engine.FireContext(actor=actor, today=today or clock.today(), reason=reason.strip(),
                                 values={"inventory": inventory.strip()})
    fire_place(session, actor, place, trigger, context)
    if trigger == "make_available":
        _keep_inventory(session, place, inventory.strip())
    flush(session)
    return place


def _keep_inventory(session: Session, place: Place, inventory: str) -> None:
    """The inventory goes on the last tenancy, unless it was recorded there at the exit already."""
    last = session.execute(
        select(Occupancy).where(Occupancy.place_id == place.id, Occupancy.ended_on.is_not(None))
        .order_by(Occupancy.ended_on.desc(), Occupancy.id.desc()).limit(1)
    ).scalar_one_or_none()
    if last is not None and not last.exit_inventory.strip():
        last.exit_inventory = inventory


def make_available(session: Session, actor: User, place_id: int, inventory: str, *, expected_version: int | None,
                   today: date | None = None) -> Place:
    return take_place_step(session, actor, place_id, "make_available", expected_version=expected_version,
                           inventory=inventory, today=today)


def withdraw(session: Session, actor: User, place_id: int, reason: str, *, expected_version: int | None,
             today: date | None = None) -> Place:
    return take_place_step(session, actor, place_id, "withdraw", expected_version=expected_version, reason=reason,
                           today=today)


def reinstate(session: Session, actor: User, place_id: int, *, expected_version: int | None, reason: str = "",
              today: date | None = None) -> Place:
    return take_place_step(session, actor, place_id, "reinstate", expected_version=expected_version, reason=reason,
                           today=today)


def manual_steps(actor: User, place: Place) -> list[engine.TransitionSpec]:
    """The coordinator's steps the machine's table allows from the place's state (guards checked when taken)."""
    return policy.steps_for(actor, PLACE_MACHINE, place, Screen.RECORD)


# ---------------------------------------------------------------- places: create and edit


@dataclass
class PlaceInput:
    """A place's details, as typed in the form (amounts in euros)."""

    reference: str = ""
    kind: str = ""
    town_id: str = ""
    address: str = ""
    organisation_id: str = ""
    agreement_id: str = ""
    rooms: str = "1"
    surface_m2: str = ""
    floor: str = "0"
    accessible: bool = False
    rent: str = ""
    charges: str = ""
    deposit: str = ""

    @classmethod
    def of(cls, place: Place) -> PlaceInput:
        return cls(
            reference=place.reference, kind=place.kind.value, town_id=str(place.town_id), address=place.address,
            organisation_id=str(place.organisation_id),
            agreement_id=str(place.agreement_id) if place.agreement_id else "", rooms=str(place.rooms),
            surface_m2=str(place.surface_m2) if place.surface_m2 else "", floor=str(place.floor),
            accessible=place.accessible, rent=euros(place.rent_cents), charges=euros(place.charges_cents),
            deposit=euros(place.deposit_cents),
        )


@dataclass(frozen=True)
class _PlaceValues:
    reference: str
    kind: PlaceKind
    town_id: int
    address: str
    organisation_id: int
    agreement_id: int | None
    rooms: int
    surface_m2: int | None
    floor: int
    accessible: bool
    rent_cents: int
    charges_cents: int
    deposit_cents: int


def _parse_place(session: Session, data: PlaceInput, current: Place | None) -> _PlaceValues:
    errors: Errors = {}
    reference = _text(errors, "reference", data.reference, 40, msg("Give the place's reference."))
    if reference and "reference" not in errors:
        clash = select(Place.id).where(func.lower(Place.reference) == reference.lower())
        if current is not None:
            clash = clash.where(Place.id != current.id)
        if session.execute(clash.limit(1)).first() is not None:
            _add(errors, "reference", msg("Another place already has this reference."))
    kind = _choice(PlaceKind, data.kind)
    if kind is None:
        _add(errors, "kind", msg("Choose a kind of place from the list."))
    town = _row(session, Town, data.town_id)
    if town is None:
        _add(errors, "town_id", msg("Choose the town."))
    address = _text(errors, "address", data.address, 300, msg("Give the address."))
    organisation = _row(session, Organisation, data.organisation_id)
    kept = current is not None and organisation is not None and current.organisation_id == organisation.id
    if (problem := _partner_errors(organisation, kept=kept)) is not None:
        _add(errors, "organisation_id", problem)
    agreement = None
    if (data.agreement_id or "").strip():
        agreement = _row(session, Agreement, data.agreement_id)
        unchanged = current is not None and agreement is not None and current.agreement_id == agreement.id
        if agreement is None:
            _add(errors, "agreement_id", msg("Choose an agreement from the list."))
        elif agreement.ended_at is not None and not unchanged:
            _add(errors, "agreement_id", msg("This agreement has ended."))
        elif organisation is not None and agreement.organisation_id != organisation.id:
            _add(errors, "agreement_id", msg("This agreement is with another partner."))
    rooms = _whole(errors, "rooms", data.rooms, maximum=20)
    surface = _whole(errors, "surface_m2", data.surface_m2, maximum=1000, required=False, minimum=1)
    floor = _whole(errors, "floor", data.floor or "0", maximum=60)
    rent = _amount(errors, "rent", data.rent)
    charges = _amount(errors, "charges", data.charges)
    deposit = _amount(errors, "deposit", data.deposit)
    if errors:
        raise InvalidInput(errors)
    assert kind is not None and town is not None and organisation is not None
    assert rooms is not None and floor is not None
    return _PlaceValues(reference, kind, town.id, address, organisation.id, agreement.id if agreement else None,
                        rooms, surface, floor, bool(data.accessible), rent, charges, deposit)


def _place_details(place: Place) -> dict[str, object]:
    return {"reference": place.reference, "kind": place.kind.value, "town_id": place.town_id,
            "address": place.address, "organisation_id": place.organisation_id, "agreement_id": place.agreement_id,
            "rooms": place.rooms, "surface_m2": place.surface_m2, "floor": place.floor,
            "accessible": place.accessible, "rent_cents": place.rent_cents, "charges_cents": place.charges_cents,
            "deposit_cents": place.deposit_cents}


def create_place(session: Session, actor: User, data: PlaceInput, today: date | None = None) -> Place:
    """A new place in the stock, available from today."""
    policy.require(actor, policy.Action.MANAGE_STOCK)
    values = _parse_place(session, data, None)
    place = Place(**values.__dict__, state=PLACE_MACHINE.initial, active=True,
                  vacant_since=today or clock.today())
    session.add(place)
    flush(session)
    # Its history starts here; one audit entry tells both the creation and the first state.
    session.add(PlaceTransition(place_id=place.id, place_version=place.version, actor_id=actor.id,
                                actor_name=actor.display_name, trigger="create", from_state=None,
                                to_state=place.state))
    audit.record(session, actor, "place.created", "place", place.id, {**_place_details(place), "to": place.state})
    flush(session)
    return place


def update_place(session: Session, actor: User, place_id: int, data: PlaceInput,
                 expected_version: int | None) -> Place:
    """A place's details (its state moves only through its steps). Refused if it changed meanwhile."""
    place = _lock_place(session, actor, place_id, expected_version)
    values = _parse_place(session, data, place)
    before = _place_details(place)
    for name, value in values.__dict__.items():
        setattr(place, name, value)
    after = _place_details(place)
    changed = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if changed:
        flush(session)
        audit.record(session, actor, "place.updated", "place", place.id, {"changed": changed})
    flush(session)
    return place


# ---------------------------------------------------------------- one place, as its page shows it


@dataclass(frozen=True)
class OccupancyRow:
    """A tenancy of the place; the person's name only for those who may know who lives where."""

    id: int
    lease_kind: LeaseKind
    lease_start: date
    lease_end: date | None
    move_in_date: date
    ended_on: date | None
    exit_inventory: str
    person: str | None
    case_id: int | None


@dataclass(frozen=True)
class PlaceView:
    place: Place
    agreement: Agreement | None
    current: OccupancyRow | None
    history: list[OccupancyRow]
    transitions: list[TransitionRow]
    steps: list[engine.TransitionSpec]
    sees_people: bool


def sees_people(actor: User) -> bool:
    """Who lives where is the coordinator's knowledge; a landlord sees their places, not the people."""
    return policy.can(actor, policy.Action.MANAGE_STOCK)


def occupancy_history(session: Session, actor: User, place: Place) -> list[OccupancyRow]:
    """The tenancies of a place, newest first, in one query (names only for the coordinator)."""
    policy.require(actor, policy.Action.VIEW_PLACES, place)
    names = sees_people(actor)
    query = select(Occupancy).where(Occupancy.place_id == place.id).order_by(
        Occupancy.move_in_date.desc(), Occupancy.id.desc())
    if names:
        query = query.options(joinedload(Occupancy.case).joinedload(Case.applicant))
    return [
        OccupancyRow(
            id=row.id, lease_kind=row.lease_kind, lease_start=row.lease_start, lease_end=row.lease_end,
            move_in_date=row.move_in_date, ended_on=row.ended_on,
            exit_inventory=row.exit_inventory if names else "",
            person=row.case.applicant.full_name if names else None, case_id=row.case_id if names else None,
        )
        for row in session.execute(query).scalars()
    ]


@dataclass(frozen=True)
class TransitionRow:
    at: datetime
    actor_name: str
    trigger: str
    from_state: str | None
    to_state: str
    reason: str


def place_transitions(session: Session, actor: User, place: Place) -> list[TransitionRow]:
    """The place's steps, oldest first; the reasons (which may tell of a person) for the coordinator only."""
    policy.require(actor, policy.Action.VIEW_PLACES, place)
    names = sees_people(actor)
    return [
        TransitionRow(row.at, row.actor_name, row.trigger, row.from_state, row.to_state, row.reason if names else "")
        for row in session.execute(
            select(PlaceTransition).where(PlaceTransition.place_id == place.id).order_by(PlaceTransition.id)
        ).scalars()
    ]


def place_view(session: Session, actor: User, place_id: int) -> PlaceView:
    place = reference.get_place(session, actor, place_id)
    history = occupancy_history(session, actor, place)
    agreement = session.get(Agreement, place.agreement_id) if place.agreement_id else None
    return PlaceView(
        place=place, agreement=agreement, current=next((row for row in history if row.ended_on is None), None),
        history=history, transitions=place_transitions(session, actor, place), steps=manual_steps(actor, place),
        sees_people=sees_people(actor),
    )
