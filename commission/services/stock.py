"""The stock of places, the partners who provide them, and the agreements (conventions) that cover them.

Each public function that changes something is one unit of work: permission, validation (every field's
problem at once, in the user's language), the writes, the place machine's steps with their transition
records, the audit entries, flushed; the caller commits them together, or nothing at all.
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.db import Base
from commission.errors import ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import Role, User
from commission.models.cases import HOLDING_STATES, Case
from commission.models.housing import Place, PlaceKind, PlaceTransition
from commission.models.reference import Organisation, OrganisationKind, Town
from commission.models.tenancy import Agreement, LeaseKind, Occupancy, Renewal
from commission.parsing import as_id, collect, parse_date, parse_euros, parse_text, parse_whole
from commission.services import audit, reference
from commission.services.paging import PER_PAGE, Page, paginate
from commission.services.steps import record_step
from commission.services.unit import FRESH_LOCK, flush, locked
from commission.workflow import engine
from commission.workflow.place import PLACE_MACHINE

# The partners that provide places: social landlords, hostels, residences and reception structures.
STOCK_PARTNER_KINDS = (OrganisationKind.LANDLORD, OrganisationKind.HOSTEL, OrganisationKind.RESIDENCE,
                       OrganisationKind.RECEPTION_STRUCTURE)
# The place machine's steps the coordinator takes by hand; the others follow a person's file.
MANUAL_TRIGGERS = ("make_available", "withdraw", "reinstate")
# States in which a place is free: ending its agreement takes it out of the stock at once.
FREE_STATES = ("available", "vacated")
MAX_AMOUNT_CENTS = 10_000_000  # a hundred thousand euros a month: anything above is a typing mistake
MAX_NOTICE_MONTHS = 24
RENEWAL_HORIZON_MONTHS = 6

EnumT = TypeVar("EnumT", bound=enum.Enum)
RowT = TypeVar("RowT", bound=Base)
Errors = dict[str, list[Message]]


def add_months(day: date, months: int) -> date:
    """The same day some months later (or earlier), kept within the month (31 January + 1 = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


# ---------------------------------------------------------------- parsing what a form sends


def _add(errors: Errors, name: str, message: Message) -> None:
    errors.setdefault(name, []).append(message)


def euros(cents: int | None) -> str:
    """Cents as the form shows them for editing: "350,00"."""
    if cents is None:
        return ""
    return f"{cents // 100},{cents % 100:02d}"


def _amount(errors: Errors, name: str, text: str) -> int:
    return collect(errors, parse_euros, text, name, maximum=MAX_AMOUNT_CENTS,
                   missing=msg("Give the amount in euros (0 if there is none).")) or 0


def _whole(errors: Errors, name: str, text: str, *, maximum: int, required: bool = True,
           minimum: int = 0) -> int | None:
    return collect(errors, parse_whole, text, name, minimum=minimum, maximum=maximum, required=required)


def _text(errors: Errors, name: str, text: str, limit: int, missing: Message | None = None) -> str:
    cleaned = (text or "").strip()
    collect(errors, parse_text, cleaned, name, limit=limit, required=missing is not None, missing=missing)
    return cleaned


def _choice(enum_type: type[EnumT], value: str) -> EnumT | None:
    return next((member for member in enum_type if member.value == (value or "").strip()), None)


def _row(session: Session, model: type[RowT], value: str) -> RowT | None:
    row_id = as_id(value)
    return session.get(model, row_id) if row_id is not None else None


def _day(errors: Errors, name: str, text: str, *, required: bool = True) -> date | None:
    return collect(errors, parse_date, text, name, required=required)


def _email(errors: Errors, name: str, text: str) -> str:
    cleaned = _text(errors, name, text, 200)
    if cleaned and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", cleaned):
        _add(errors, name, msg("This is not an e-mail address."))
    return cleaned


# ---------------------------------------------------------------- the place machine's steps


def _holder(session: Session, place_id: int) -> int | None:
    """The file holding the place (allocated, moving in, housed, leaving), if any."""
    return session.execute(
        select(Case.id).where(Case.allocated_place_id == place_id, Case.state.in_(HOLDING_STATES)).limit(1)
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
    if trigger not in MANUAL_TRIGGERS:
        raise TransitionRefused(msg("This step follows a person's file; it is not taken here."))
    place = _lock_place(session, actor, place_id, expected_version)
    if PLACE_MACHINE.find(trigger, place.state) is None:
        if trigger == "withdraw" and place.state in ("offered", "occupied"):
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
    if not policy.can(actor, policy.Action.MANAGE_STOCK, place):
        return []
    return [step for step in PLACE_MACHINE.available(place.state) if step.trigger in MANUAL_TRIGGERS]


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


def _partner_errors(organisation: Organisation | None, *, kept: bool) -> Message | None:
    if organisation is None:
        return msg("Choose the landlord or structure.")
    if organisation.kind not in STOCK_PARTNER_KINDS:
        return msg("Choose a social landlord, a hostel, a residence or a reception structure.")
    if not organisation.active and not kept:
        return msg("This partner is no longer active.")
    return None


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


# ---------------------------------------------------------------- vacancies


@dataclass(frozen=True)
class VacantPlace:
    place: Place
    days: int | None  # None when the day it became vacant is not known


@dataclass(frozen=True)
class KindVacancy:
    kind: PlaceKind
    vacant_now: int
    gaps: int  # how many vacancies between two tenancies the history holds
    average_days: float | None


@dataclass(frozen=True)
class VacancyReport:
    places: list[VacantPlace]
    by_kind: list[KindVacancy]


def vacancy_durations(session: Session, actor: User, today: date) -> VacancyReport:
    """Each available place with the days since it became vacant (longest first), and, over the whole
    history, the average vacancy between one tenancy's end and the next move-in, per kind of place."""
    policy.require(actor, policy.Action.MANAGE_STOCK)
    available = list(session.execute(
        select(Place).where(Place.state == "available", Place.active)
        .options(joinedload(Place.town), joinedload(Place.organisation))
        .order_by(Place.vacant_since.is_(None), Place.vacant_since, Place.reference)
    ).scalars())
    places = [VacantPlace(place, (today - place.vacant_since).days if place.vacant_since else None)
              for place in available]
    gaps: dict[PlaceKind, list[int]] = {kind: [] for kind in PlaceKind}
    previous: tuple[int, date | None] | None = None
    for place_id, kind, move_in, ended_on in session.execute(
        select(Occupancy.place_id, Place.kind, Occupancy.move_in_date, Occupancy.ended_on)
        .join(Place, Place.id == Occupancy.place_id)
        .order_by(Occupancy.place_id, Occupancy.move_in_date, Occupancy.id)
    ).all():
        if previous is not None and previous[0] == place_id and previous[1] is not None:
            gaps[kind].append(max(0, (move_in - previous[1]).days))
        previous = (place_id, ended_on)
    vacant_now = {kind: sum(1 for row in places if row.place.kind is kind) for kind in PlaceKind}
    by_kind = [KindVacancy(kind, vacant_now[kind], len(gaps[kind]),
                           round(sum(gaps[kind]) / len(gaps[kind]), 1) if gaps[kind] else None)
               for kind in PlaceKind]
    return VacancyReport(places, by_kind)


# ---------------------------------------------------------------- partners: landlords and structures


@dataclass
class PartnerInput:
    name: str = ""
    kind: str = OrganisationKind.LANDLORD.value
    town_id: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""

    @classmethod
    def of(cls, organisation: Organisation) -> PartnerInput:
        return cls(name=organisation.name, kind=organisation.kind.value,
                   town_id=str(organisation.town_id) if organisation.town_id else "", address=organisation.address,
                   phone=organisation.phone, email=organisation.email)


@dataclass(frozen=True)
class PartnerRow:
    organisation: Organisation
    places: int  # in the stock (not withdrawn)
    agreements: int  # in force


def list_partners(session: Session, actor: User) -> list[PartnerRow]:
    """Landlords and structures, active first, with their places and agreements in force (three queries)."""
    policy.require(actor, policy.Action.MANAGE_STOCK)
    partners = list(session.execute(
        select(Organisation).where(Organisation.kind.in_(STOCK_PARTNER_KINDS))
        .options(joinedload(Organisation.town))
        .order_by(Organisation.active.desc(), Organisation.kind, Organisation.name)
    ).scalars())
    places = {organisation_id: number for organisation_id, number in session.execute(
        select(Place.organisation_id, func.count()).where(Place.active).group_by(Place.organisation_id)
    ).all()}
    agreements = {organisation_id: number for organisation_id, number in session.execute(
        select(Agreement.organisation_id, func.count()).where(Agreement.ended_at.is_(None))
        .group_by(Agreement.organisation_id)
    ).all()}
    return [PartnerRow(partner, places.get(partner.id, 0), agreements.get(partner.id, 0)) for partner in partners]


def stock_partners(session: Session, *, include: int | None = None) -> list[Organisation]:
    """The active landlords and structures, to fill choice lists (with `include` even if inactive)."""
    condition: ColumnElement[bool] = Organisation.active.is_(True)
    if include is not None:
        condition = or_(condition, Organisation.id == include)
    return list(session.execute(
        select(Organisation).where(Organisation.kind.in_(STOCK_PARTNER_KINDS), condition)
        .order_by(Organisation.name)
    ).scalars())


def get_partner(session: Session, actor: User, organisation_id: int) -> Organisation:
    policy.require(actor, policy.Action.MANAGE_STOCK)
    organisation = session.execute(
        select(Organisation).where(Organisation.id == organisation_id, Organisation.kind.in_(STOCK_PARTNER_KINDS))
    ).scalar_one_or_none()
    if organisation is None:
        raise NotFound()
    return organisation


def _parse_partner(session: Session, data: PartnerInput, current: Organisation | None) -> dict[str, Any]:
    errors: Errors = {}
    name = _text(errors, "name", data.name, 200, msg("Give the partner's name."))
    if name and "name" not in errors:
        clash = select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
        if current is not None:
            clash = clash.where(Organisation.id != current.id)
        if session.execute(clash.limit(1)).first() is not None:
            _add(errors, "name", msg("Another organisation already has this name."))
    kind = _choice(OrganisationKind, data.kind)
    if kind is None or kind not in STOCK_PARTNER_KINDS:
        _add(errors, "kind", msg("Choose a social landlord, a hostel, a residence or a reception structure."))
    elif current is not None and current.kind is OrganisationKind.LANDLORD and kind is not OrganisationKind.LANDLORD:
        bound = session.execute(
            select(User.id).where(User.organisation_id == current.id, User.role == Role.LANDLORD).limit(1)
        ).first()
        if bound is not None:
            _add(errors, "kind", msg("Accounts of landlord representatives are bound to it: it stays a landlord."))
    town = None
    if (data.town_id or "").strip():
        town = _row(session, Town, data.town_id)
        if town is None:
            _add(errors, "town_id", msg("Choose the town."))
    address = _text(errors, "address", data.address, 300)
    phone = _text(errors, "phone", data.phone, 40)
    email = _email(errors, "email", data.email)
    if errors:
        raise InvalidInput(errors)
    return {"name": name, "kind": kind, "town_id": town.id if town else None, "address": address,
            "phone": phone, "email": email}


def _partner_details(organisation: Organisation) -> dict[str, object]:
    return {"name": organisation.name, "kind": organisation.kind.value, "town_id": organisation.town_id,
            "address": organisation.address, "phone": organisation.phone, "email": organisation.email}


def create_partner(session: Session, actor: User, data: PartnerInput) -> Organisation:
    policy.require(actor, policy.Action.MANAGE_STOCK)
    organisation = Organisation(**_parse_partner(session, data, None), active=True)
    session.add(organisation)
    flush(session)
    audit.record(session, actor, "organisation.created", "organisation", organisation.id,
                 _partner_details(organisation))
    flush(session)
    return organisation


def _lock_partner(session: Session, actor: User, organisation_id: int) -> Organisation:
    policy.require(actor, policy.Action.MANAGE_STOCK)
    organisation = session.execute(
        select(Organisation).where(Organisation.id == organisation_id, Organisation.kind.in_(STOCK_PARTNER_KINDS))
        .with_for_update().execution_options(**FRESH_LOCK)
    ).scalar_one_or_none()
    if organisation is None:
        raise NotFound()
    return organisation


def update_partner(session: Session, actor: User, organisation_id: int, data: PartnerInput,
                   expected_version: int | None = None) -> Organisation:
    organisation = _lock_partner(session, actor, organisation_id)
    if expected_version is not None and organisation.version != expected_version:
        raise ConcurrentChange()
    before = _partner_details(organisation)
    for name, value in _parse_partner(session, data, organisation).items():
        setattr(organisation, name, value)
    after = _partner_details(organisation)
    changed = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if changed:
        audit.record(session, actor, "organisation.updated", "organisation", organisation.id,
                     {"changed": changed})
    flush(session)
    return organisation


def set_partner_active(session: Session, actor: User, organisation_id: int, active: bool) -> Organisation:
    """Deactivate a partner once it has no place in the stock and no agreement in force; or reactivate it."""
    organisation = _lock_partner(session, actor, organisation_id)
    if organisation.active == active:
        return organisation
    if not active:
        places = session.execute(
            select(func.count()).select_from(Place).where(Place.organisation_id == organisation.id, Place.active)
        ).scalar_one()
        if places:
            raise TransitionRefused(msg("This partner still has %(count)s places in the stock: withdraw them "
                                        "or end its agreements first.", count=places))
        agreements = session.execute(
            select(func.count()).select_from(Agreement)
            .where(Agreement.organisation_id == organisation.id, Agreement.ended_at.is_(None))
        ).scalar_one()
        if agreements:
            raise TransitionRefused(msg("This partner still has %(count)s agreements in force: end them first.",
                                        count=agreements))
    organisation.active = active
    audit.record(session, actor, "organisation.activated" if active else "organisation.deactivated",
                 "organisation", organisation.id, {"name": organisation.name})
    flush(session)
    return organisation


# ---------------------------------------------------------------- agreements


@dataclass
class AgreementInput:
    organisation_id: str = ""
    reference: str = ""
    title: str = ""
    start_date: str = ""
    end_date: str = ""
    renewal: str = Renewal.EXPLICIT.value
    notice_months: str = "3"
    notes: str = ""

    @classmethod
    def of(cls, agreement: Agreement) -> AgreementInput:
        return cls(
            organisation_id=str(agreement.organisation_id), reference=agreement.reference, title=agreement.title,
            start_date=agreement.start_date.isoformat(),
            end_date=agreement.end_date.isoformat() if agreement.end_date else "", renewal=agreement.renewal.value,
            notice_months=str(agreement.notice_months), notes=agreement.notes,
        )


def renewal_deadline(agreement: Agreement) -> date | None:
    """When the coordinator must act: the end date, or for a tacit renewal the last day to give notice."""
    if agreement.end_date is None:
        return None
    if agreement.renewal is Renewal.TACIT:
        return add_months(agreement.end_date, -agreement.notice_months)
    return agreement.end_date


def _parse_agreement(session: Session, data: AgreementInput, current: Agreement | None) -> dict[str, Any]:
    errors: Errors = {}
    organisation = _row(session, Organisation, data.organisation_id)
    kept = current is not None and organisation is not None and current.organisation_id == organisation.id
    if (problem := _partner_errors(organisation, kept=kept)) is not None:
        _add(errors, "organisation_id", problem)
    elif current is not None and not kept:
        covered = session.execute(select(Place.id).where(Place.agreement_id == current.id).limit(1)).first()
        if covered is not None:
            _add(errors, "organisation_id", msg("It covers places of its partner: the partner cannot change."))
    reference = _text(errors, "reference", data.reference, 60, msg("Give the agreement's reference."))
    if reference and "reference" not in errors:
        clash = select(Agreement.id).where(func.lower(Agreement.reference) == reference.lower())
        if current is not None:
            clash = clash.where(Agreement.id != current.id)
        if session.execute(clash.limit(1)).first() is not None:
            _add(errors, "reference", msg("Another agreement already has this reference."))
    title = _text(errors, "title", data.title, 200, msg("Give the agreement's title."))
    start = _day(errors, "start_date", data.start_date)
    end = _day(errors, "end_date", data.end_date, required=False)
    renewal = _choice(Renewal, data.renewal)
    if renewal is None:
        _add(errors, "renewal", msg("Choose how the agreement is renewed."))
    elif renewal is not Renewal.NONE and end is None and "end_date" not in errors:
        _add(errors, "end_date", msg("A renewable agreement needs an end date: its renewal is counted from it."))
    if start is not None and end is not None and end <= start:
        _add(errors, "end_date", msg("The end date must come after the start date."))
    notice = _whole(errors, "notice_months", data.notice_months or "0", maximum=MAX_NOTICE_MONTHS)
    notes = _text(errors, "notes", data.notes, 5000)
    if errors:
        raise InvalidInput(errors)
    assert organisation is not None
    return {"organisation_id": organisation.id, "reference": reference, "title": title, "start_date": start,
            "end_date": end, "renewal": renewal, "notice_months": notice, "notes": notes}


def _agreement_details(agreement: Agreement) -> dict[str, object]:
    return {"organisation_id": agreement.organisation_id, "reference": agreement.reference,
            "title": agreement.title, "start_date": agreement.start_date.isoformat(),
            "end_date": agreement.end_date.isoformat() if agreement.end_date else None,
            "renewal": agreement.renewal.value, "notice_months": agreement.notice_months, "notes": agreement.notes}


def create_agreement(session: Session, actor: User, data: AgreementInput) -> Agreement:
    policy.require(actor, policy.Action.MANAGE_STOCK)
    agreement = Agreement(**_parse_agreement(session, data, None))
    session.add(agreement)
    flush(session)
    audit.record(session, actor, "agreement.created", "agreement", agreement.id, _agreement_details(agreement))
    flush(session)
    return agreement


def _lock_agreement(session: Session, actor: User, agreement_id: int, *, in_force: bool = True) -> Agreement:
    policy.require(actor, policy.Action.MANAGE_STOCK)
    agreement = session.execute(
        locked(select(Agreement).where(Agreement.id == agreement_id))
    ).scalar_one_or_none()
    if agreement is None:
        raise NotFound()
    if in_force and agreement.ended_at is not None:
        raise TransitionRefused(msg("This agreement has ended; it is kept as it was."))
    return agreement


def update_agreement(session: Session, actor: User, agreement_id: int, data: AgreementInput,
                     expected_version: int | None = None) -> Agreement:
    agreement = _lock_agreement(session, actor, agreement_id)
    if expected_version is not None and agreement.version != expected_version:
        raise ConcurrentChange()
    before = _agreement_details(agreement)
    for name, value in _parse_agreement(session, data, agreement).items():
        setattr(agreement, name, value)
    after = _agreement_details(agreement)
    changed = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if changed:
        audit.record(session, actor, "agreement.updated", "agreement", agreement.id, {"changed": changed})
    flush(session)
    return agreement


@dataclass(frozen=True)
class AgreementRow:
    agreement: Agreement
    places: int
    deadline: date | None


def list_agreements(session: Session, actor: User, *, page: int = 1, per_page: int = PER_PAGE) -> Page[AgreementRow]:
    """Agreements in force first, soonest end first, then the ended ones; three queries for a page."""
    policy.require(actor, policy.Action.MANAGE_STOCK)
    found = paginate(session, select(Agreement).options(joinedload(Agreement.organisation)).order_by(
        Agreement.ended_at.is_not(None), Agreement.end_date.is_(None), Agreement.end_date, Agreement.reference,
    ), page, per_page)
    ids = [agreement.id for agreement in found.items]
    counts = {agreement_id: number for agreement_id, number in session.execute(
        select(Place.agreement_id, func.count()).where(Place.agreement_id.in_(ids)).group_by(Place.agreement_id)
    ).all()} if ids else {}
    rows = [AgreementRow(agreement, counts.get(agreement.id, 0), renewal_deadline(agreement))
            for agreement in found.items]
    return Page(rows, found.total, found.page, found.pages)


@dataclass(frozen=True)
class RenewalDue:
    agreement: Agreement
    deadline: date  # the end date, or the last day to give notice for a tacit renewal
    overdue: bool  # the deadline has passed and the agreement is still recorded as in force


def agreements_to_renew(session: Session, actor: User, today: date,
                        months: int = RENEWAL_HORIZON_MONTHS) -> list[RenewalDue]:
    """The agreements in force whose end date (or, for a tacit renewal, end date minus the notice) falls
    within the next `months` months, soonest first; those past it and still in force come first, marked."""
    policy.require(actor, policy.Action.MANAGE_STOCK)
    horizon = add_months(today, months)
    candidates = session.execute(
        select(Agreement).options(joinedload(Agreement.organisation))
        .where(Agreement.ended_at.is_(None), Agreement.end_date.is_not(None),
               Agreement.end_date <= add_months(horizon, MAX_NOTICE_MONTHS))
    ).scalars()
    due = []
    for agreement in candidates:
        deadline = renewal_deadline(agreement)
        if deadline is not None and deadline <= horizon:
            due.append(RenewalDue(agreement, deadline, deadline < today))
    return sorted(due, key=lambda row: (row.deadline, row.agreement.reference))


@dataclass(frozen=True)
class AgreementView:
    agreement: Agreement
    places: list[Place]
    attachable: list[Place]  # the partner's other places, which it could cover
    deadline: date | None


def get_agreement(session: Session, actor: User, agreement_id: int) -> Agreement:
    policy.require(actor, policy.Action.MANAGE_STOCK)
    agreement = session.execute(
        select(Agreement).options(joinedload(Agreement.organisation)).where(Agreement.id == agreement_id)
    ).scalar_one_or_none()
    if agreement is None:
        raise NotFound()
    return agreement


def agreement_view(session: Session, actor: User, agreement_id: int) -> AgreementView:
    agreement = get_agreement(session, actor, agreement_id)
    places = list(session.execute(
        select(Place).options(joinedload(Place.town)).where(Place.organisation_id == agreement.organisation_id)
        .order_by(Place.reference)
    ).scalars())
    covered = [place for place in places if place.agreement_id == agreement.id]
    others = [place for place in places if place.agreement_id != agreement.id]
    return AgreementView(agreement, covered, others if agreement.ended_at is None else [], renewal_deadline(agreement))


def attach_places(session: Session, actor: User, agreement_id: int, place_ids: Sequence[int]) -> int:
    """The agreement covers these places of its partner (taken from another agreement if need be)."""
    agreement = _lock_agreement(session, actor, agreement_id)
    if not place_ids:
        raise InvalidInput({"place_ids": [msg("Choose at least one place.")]})
    places = list(session.execute(
        locked(select(Place).where(Place.id.in_(list(place_ids))).order_by(Place.id))
    ).scalars())
    if len(places) != len(set(place_ids)) or any(
            place.organisation_id != agreement.organisation_id for place in places):
        raise InvalidInput({"place_ids": [msg("An agreement covers only places of its own partner.")]})
    attached = 0
    for place in places:
        if place.agreement_id == agreement.id:
            continue
        previous, place.agreement_id = place.agreement_id, agreement.id
        attached += 1
        flush(session)
        audit.record(session, actor, "place.agreement_attached", "place", place.id,
                     {"agreement_id": agreement.id, "previous_agreement_id": previous})
    flush(session)
    return attached


def detach_place(session: Session, actor: User, agreement_id: int, place_id: int) -> Place:
    """The agreement no longer covers this place (an ended agreement keeps its places, as a record)."""
    agreement = _lock_agreement(session, actor, agreement_id)
    place = _lock_place(session, actor, place_id, None)
    if place.agreement_id != agreement.id:
        raise NotFound()
    place.agreement_id = None
    flush(session)
    audit.record(session, actor, "place.agreement_detached", "place", place.id, {"agreement_id": agreement.id})
    flush(session)
    return place


@dataclass(frozen=True)
class AgreementEnding:
    agreement: Agreement
    withdrawn: list[Place] = field(default_factory=list)  # free places: out of the stock now
    staying: list[Place] = field(default_factory=list)  # offered or occupied: they stay until vacated


def end_agreement(session: Session, actor: User, agreement_id: int, ended_on: str, *, note: str = "",
                  today: date | None = None) -> AgreementEnding:
    """Record the end of an agreement. Its free places (available or vacated) are withdrawn through the
    place machine in the same transaction; places offered, occupied or held by a person stay until they
    are vacated, and are then withdrawn by hand (the place page says so)."""
    today = today or clock.today()
    agreement = _lock_agreement(session, actor, agreement_id)
    errors: Errors = {}
    day = _day(errors, "ended_on", ended_on)
    if day is not None and day < agreement.start_date:
        _add(errors, "ended_on", msg("The end date must come after the start date."))
    elif day is not None and day > today:
        _add(errors, "ended_on", msg("Record the end once it has come: until then the agreement is listed "
                                     "among those to renew."))
    cleaned_note = _text(errors, "note", note, 2000)
    if errors:
        raise InvalidInput(errors)
    assert day is not None
    agreement.ended_at = day
    audit.record(session, actor, "agreement.ended", "agreement", agreement.id,
                 {"ended_on": day.isoformat(), "note": cleaned_note})
    ending = AgreementEnding(agreement)
    reason = str(msg("Its agreement %(reference)s ended on %(date)s.", reference=agreement.reference,
                     date=day.isoformat()))
    places = session.execute(
        locked(select(Place).where(Place.agreement_id == agreement.id).order_by(Place.reference))
    ).scalars()
    for place in places:
        if place.state == "withdrawn":
            continue
        held = _holder(session, place.id) is not None or _current_occupancy(session, place.id) is not None
        if place.state in FREE_STATES and not held:
            fire_place(session, actor, place, "withdraw",
                       engine.FireContext(actor=actor, today=today, reason=reason))
            ending.withdrawn.append(place)
        else:
            ending.staying.append(place)
    flush(session)
    return ending


def stayed_after_end(session: Session, place: Place) -> bool:
    """Whether the place is still in the stock although its agreement has ended (to withdraw once vacated)."""
    if place.agreement_id is None or place.state == "withdrawn":
        return False
    agreement = session.get(Agreement, place.agreement_id)
    return agreement is not None and agreement.ended_at is not None


def agreements_in_force(session: Session, *, include: int | None = None) -> list[Agreement]:
    """The agreements in force, to fill choice lists (with `include` even if ended)."""
    condition: ColumnElement[bool] = Agreement.ended_at.is_(None)
    if include is not None:
        condition = or_(condition, Agreement.id == include)
    return list(session.execute(
        select(Agreement).options(joinedload(Agreement.organisation)).where(condition).order_by(Agreement.reference)
    ).scalars())
