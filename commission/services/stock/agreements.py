"""The agreements (conventions) with the partners: their terms, the places they cover, their renewal and
their end, which takes the free places out of the stock."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from commission import clock, policy
from commission.errors import ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import N_, msg
from commission.models.accounts import User
from commission.models.housing import Place
from commission.models.reference import Organisation
from commission.models.tenancy import Agreement, Renewal
from commission.services import audit
from commission.services.paging import PER_PAGE, Page, paginate
from commission.services.sorting import Sort, ordered
from commission.services.stock.fields import (
    Errors,
    _add,
    _choice,
    _day,
    _row,
    _text,
    _whole,
)
from commission.services.stock.partners import _partner_errors
from commission.services.stock.places import _current_occupancy, _holder, _lock_place, fire_place
from commission.services.unit import flush, locked
from commission.workflow import engine
from commission.workflow.engine import MachineSpec, StateSpec
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag, Tone

MAX_NOTICE_MONTHS = 24
RENEWAL_HORIZON_MONTHS = 6


def add_months(day: date, months: int) -> date:
    """The same day some months later (or earlier), kept within the month (31 January + 1 = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


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


def parse_agreement(session: Session, data: AgreementInput, current: Agreement | None) -> dict[str, Any]:
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
    agreement = Agreement(**parse_agreement(session, data, None))
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
    for name, value in parse_agreement(session, data, agreement).items():
        setattr(agreement, name, value)
    after = _agreement_details(agreement)
    changed = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if changed:
        audit.record(session, actor, "agreement.updated", "agreement", agreement.id, {"changed": changed})
    flush(session)
    return agreement


# Whether an agreement is in force or has ended, as the lists' badges draw it. Not a machine (no step moves
# an agreement between them: its end date does), only the words and the tone of its two statuses.
AGREEMENT_STATUSES = MachineSpec(
    name="agreement",
    initial="in_force",
    states=(
        StateSpec("in_force", N_("In force"), N_("Its places are in the stock."), tone=Tone.ACTIVE),
        StateSpec("ended", N_("Ended"), N_("It has ended: its places have left the stock."), tone=Tone.ENDED),
    ),
    transitions=(),
)


@dataclass(frozen=True)
class AgreementRow:
    agreement: Agreement
    places: int
    deadline: date | None

    @property
    def status(self) -> str:
        """Its status in :data:`AGREEMENT_STATUSES`."""
        return "ended" if self.agreement.ended_at is not None else "in_force"


@dataclass(frozen=True)
class AgreementFilter:
    partner_id: int | None = None
    status: str | None = None  # a status of AGREEMENT_STATUSES; None for all


_PLACES_COVERED = (select(func.count()).where(Place.agreement_id == Agreement.id)
                   .correlate(Agreement).scalar_subquery())

# The keys the list of agreements may be sorted by (the status: in force first, then by the day it ended).
AGREEMENT_SORTS = {
    "agreement": (Agreement.reference,),
    "partner": (Organisation.name,),
    "start": (Agreement.start_date,),
    "end": (Agreement.end_date,),
    "renewal": (Agreement.renewal,),
    "places": (_PLACES_COVERED,),
    "status": (case((Agreement.ended_at.is_(None), 0), else_=1), Agreement.ended_at),
}


def list_agreements(session: Session, actor: User, agreement_filter: AgreementFilter | None = None, *,
                    page: int = 1, per_page: int = PER_PAGE, sort: Sort | None = None) -> Page[AgreementRow]:
    """Agreements in force first, soonest end first, then the ended ones, unless sorted; three queries for a
    page."""
    policy.require(actor, policy.Action.VIEW_AGREEMENTS)
    agreement_filter = agreement_filter or AgreementFilter()
    query = (select(Agreement).join(Organisation, Organisation.id == Agreement.organisation_id)
             .options(contains_eager(Agreement.organisation)))
    if agreement_filter.partner_id is not None:
        query = query.where(Agreement.organisation_id == agreement_filter.partner_id)
    if agreement_filter.status is not None:
        ended = agreement_filter.status == "ended"
        query = query.where(Agreement.ended_at.is_not(None) if ended else Agreement.ended_at.is_(None))
    query = ordered(query, AGREEMENT_SORTS, sort or Sort(), default=(
        Agreement.ended_at.is_not(None), Agreement.end_date.is_(None), Agreement.end_date, Agreement.reference,
    ), tiebreak=Agreement.id)
    found = paginate(session, query, page, per_page)
    ids = [agreement.id for agreement in found.items]
    counts = {agreement_id: number for agreement_id, number in session.execute(
        select(Place.agreement_id, func.count()).where(Place.agreement_id.in_(ids)).group_by(Place.agreement_id)
    ).all()} if ids else {}
    rows = [AgreementRow(agreement, counts.get(agreement.id, 0), renewal_deadline(agreement))
            for agreement in found.items]
    return Page(rows, found.total, found.page, found.pages)


def agreement_partners(session: Session, actor: User) -> list[Organisation]:
    """The partners that have agreements, by name (the list's filter)."""
    policy.require(actor, policy.Action.VIEW_AGREEMENTS)
    return list(session.execute(
        select(Organisation).where(Organisation.id.in_(select(Agreement.organisation_id))).order_by(Organisation.name)
    ).scalars())


@dataclass(frozen=True)
class RenewalDue:
    agreement: Agreement
    deadline: date  # the end date, or the last day to give notice for a tacit renewal
    overdue: bool  # the deadline has passed and the agreement is still recorded as in force


def agreements_to_renew(session: Session, actor: User, today: date,
                        months: int = RENEWAL_HORIZON_MONTHS) -> list[RenewalDue]:
    """The agreements in force whose end date (or, for a tacit renewal, end date minus the notice) falls
    within the next `months` months, soonest first; those past it and still in force come first, marked."""
    policy.require(actor, policy.Action.VIEW_AGREEMENTS)
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
    policy.require(actor, policy.Action.VIEW_AGREEMENTS)
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
    keeps = agreement.ended_at is None and policy.can(actor, policy.Action.MANAGE_STOCK)  # a reader changes nothing
    return AgreementView(agreement, covered, others if keeps else [], renewal_deadline(agreement))


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
        if PLACE_MACHINE.means(place.state, Tag.OUT_OF_STOCK):
            continue
        held = _holder(session, place.id) is not None or _current_occupancy(session, place.id) is not None
        if PLACE_MACHINE.allows("withdraw", place.state) and not held:
            fire_place(session, actor, place, "withdraw",
                       engine.FireContext(actor=actor, today=today, reason=reason))
            ending.withdrawn.append(place)
        else:
            ending.staying.append(place)
    flush(session)
    return ending


def stayed_after_end(session: Session, place: Place) -> bool:
    """Whether the place is still in the stock although its agreement has ended (to withdraw once vacated)."""
    if place.agreement_id is None or PLACE_MACHINE.means(place.state, Tag.OUT_OF_STOCK):
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
