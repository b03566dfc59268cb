"""Planning the hearings: the usual day and town of a quarter, the next quarter to plan, a hearing planned
(ordinary: one per quarter; extraordinary: with its reason, beside it), a year's four, a hearing's practical
details changed (a convened hearing that moves: see ``moves``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.errors import InvalidInput, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.hearings import Hearing, HearingKind, ItemKind
from commission.models.reference import Town
from commission.parsing import as_id, collect, parse_choice, parse_date, parse_text, parse_time, parse_whole
from commission.services import audit
from commission.services.hearings.moves import record_move
from commission.services.hearings.reading import _load_for_change, _record
from commission.services.unit import flush
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag

HEARING_MONTHS = (3, 6, 9, 12)
DEFAULT_START = time(14, 0)
DEFAULT_QUORUM = 5
QUARTERS_AHEAD = 12  # how far the next quarter to plan is looked for
NOTICE_DAYS = 14  # an extraordinary hearing is proposed two weeks ahead: time for the convocations
# The kinds planned here: the quarterly hearing, and one convened outside the rhythm (a written consultation
# is opened from its own page).
PLANNED_KINDS = (HearingKind.ORDINARY, HearingKind.EXTRAORDINARY)


def default_day(year: int, quarter: int) -> date:
    """The third Thursday of the quarter's last month: when the commission has usually met."""
    first = date(year, HEARING_MONTHS[quarter - 1], 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 14)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


# ---------------------------------------------------------------- planning


@dataclass
class HearingInput:
    """A hearing's practical details, as typed in a form."""

    day: str = ""
    start_time: str = "14:00"
    town_id: str = ""
    venue: str = ""
    address: str = ""
    chair_id: str = ""
    quorum: str = str(DEFAULT_QUORUM)
    slot_minutes: str = "20"
    kind: str = HearingKind.ORDINARY.value
    purpose: str = ""  # why a hearing off the quarterly rhythm is held
    reason: str = ""  # why a convened hearing moves (or one leaves its quarter)


@dataclass(frozen=True)
class _Parsed:
    day: date
    start_time: time
    town: Town
    venue: str
    address: str
    chair: User | None
    quorum: int
    slot_minutes: int
    kind: HearingKind
    purpose: str


def _parse(session: Session, data: HearingInput, kind: HearingKind | None = None) -> _Parsed:
    """The details as typed; ``kind`` is the hearing's own when it is changed (a kind is chosen once)."""
    errors: dict[str, list[Message]] = {}
    if kind is None:
        kind = collect(errors, parse_choice, HearingKind, data.kind, "kind",
                       message=msg("Choose the kind of hearing."))
        if kind is not None and kind not in PLANNED_KINDS:
            errors["kind"], kind = [msg("Choose the kind of hearing.")], None
    off_rhythm = kind is not None and kind is not HearingKind.ORDINARY
    purpose = collect(errors, parse_text, data.purpose, "purpose", limit=2000, required=off_rhythm,
                      missing=msg("Say why this hearing is held outside the quarterly rhythm."))
    day = collect(errors, parse_date, data.day, "day")
    start = collect(errors, parse_time, data.start_time, "start_time")
    town_id = as_id(data.town_id)
    town = session.get(Town, town_id) if town_id is not None else None
    if town is None:
        errors["town_id"] = [msg("Choose the host town.")]
    chair = None
    if data.chair_id.strip():
        chair_id = as_id(data.chair_id)
        chair = session.get(User, chair_id) if chair_id is not None else None
        if chair is None or not policy.may_chair(chair):
            errors["chair_id"] = [msg("Choose an elected official with a chair's account.")]
    quorum = collect(errors, parse_whole, data.quorum, "quorum", minimum=1, maximum=100)
    slot = collect(errors, parse_whole, data.slot_minutes, "slot_minutes", minimum=5, maximum=120)
    venue = collect(errors, parse_text, data.venue, "venue", limit=200)
    address = collect(errors, parse_text, data.address, "address", limit=300)
    if errors:
        raise InvalidInput(errors)
    assert day is not None and start is not None and town is not None and quorum is not None and slot is not None
    assert kind is not None
    return _Parsed(day, start, town, venue or "", address or "", chair, quorum, slot, kind,
                   (purpose or "") if kind is not HearingKind.ORDINARY else "")


def details_of(hearing: Hearing) -> HearingInput:
    """A hearing's details as its form shows them, to change some of them."""
    return HearingInput(
        day=hearing.day.isoformat(), start_time=hearing.start_time.strftime("%H:%M"), town_id=str(hearing.town_id),
        venue=hearing.venue, address=hearing.address, chair_id=str(hearing.chair_id or ""),
        quorum=str(hearing.quorum), slot_minutes=str(hearing.slot_minutes), kind=hearing.kind.value,
        purpose=hearing.purpose,
    )


def _ordinary_quarters(session: Session, since_year: int) -> set[tuple[int, int]]:
    """The quarters that have their ordinary hearing (planned, held or cancelled) from a year on."""
    return {(year, quarter) for year, quarter in session.execute(
        select(Hearing.year, Hearing.quarter).where(Hearing.kind == HearingKind.ORDINARY, Hearing.year >= since_year)
    ).all()}


def next_open_quarter(session: Session, today: date) -> tuple[int, int]:
    """The next quarter that has no ordinary hearing yet and whose usual day is not past."""
    taken = _ordinary_quarters(session, today.year)
    year, quarter = today.year, quarter_of(today)
    for _ in range(QUARTERS_AHEAD):
        if default_day(year, quarter) >= today and (year, quarter) not in taken:
            return year, quarter
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return year, quarter


def _extraordinary_day(today: date) -> date:
    """A Thursday at least two weeks ahead: time for the convocations to arrive."""
    earliest = today + timedelta(days=NOTICE_DAYS)
    return earliest + timedelta(days=(3 - earliest.weekday()) % 7)


def proposal(session: Session, actor: User, year: int | None = None, quarter: int | None = None, *,
             kind: HearingKind = HearingKind.ORDINARY, today: date | None = None) -> HearingInput:
    """The usual hearing of a quarter (by default the next one to plan, never a past one): third Thursday,
    the next town in the rotation, one of its chairs. An extraordinary hearing: two weeks ahead."""
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    today = today or clock.today()
    if kind is not HearingKind.ORDINARY:
        day = _extraordinary_day(today)
    else:
        if year is None or quarter is None:
            year, quarter = next_open_quarter(session, today)
        day = default_day(year, quarter)
    towns = list(session.execute(select(Town).order_by(Town.name)).scalars())
    if not towns:
        return HearingInput(day=day.isoformat(), kind=kind.value)
    previous = session.execute(
        select(Hearing).where(Hearing.day < day).order_by(Hearing.day.desc()).limit(1)
    ).scalar_one_or_none()
    if previous is not None and previous.town_id in [town.id for town in towns]:
        index = ([town.id for town in towns].index(previous.town_id) + 1) % len(towns)
    else:
        index = (day.year * 4 + quarter_of(day) - 1) % len(towns)
    town = towns[index]
    chair = session.execute(
        select(User).where(policy.chair_clause(), User.town_id == town.id, User.active).order_by(User.id).limit(1)
    ).scalar_one_or_none()
    return HearingInput(
        day=day.isoformat(), town_id=str(town.id), chair_id=str(chair.id) if chair else "",
        venue=str(msg("Council chamber, town hall of %(town)s", town=town.name)), kind=kind.value,
    )


def plan_hearing(session: Session, actor: User, data: HearingInput) -> Hearing:
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    parsed = _parse(session, data)
    quarter = quarter_of(parsed.day)
    if parsed.kind is HearingKind.ORDINARY:
        # One ordinary hearing per quarter (the database's partial unique index says the same)
        same_quarter = select(Hearing.id).where(Hearing.year == parsed.day.year, Hearing.quarter == quarter,
                                                Hearing.kind == HearingKind.ORDINARY)
        taken = session.execute(same_quarter.where(Hearing.state.in_(HEARING_MACHINE.tagged(Tag.TAKES_PLACE)))).first()
        if taken is not None:
            raise InvalidInput({"day": [msg("A hearing is already planned for this quarter.")]})
        if session.execute(same_quarter).first() is not None:
            raise InvalidInput({"day": [msg("This quarter's hearing was cancelled; plan the next quarter's.")]})
    hearing = Hearing(
        year=parsed.day.year, quarter=quarter, day=parsed.day, start_time=parsed.start_time,
        town_id=parsed.town.id, venue=parsed.venue, address=parsed.address,
        chair_id=parsed.chair.id if parsed.chair else None, quorum=parsed.quorum,
        slot_minutes=parsed.slot_minutes, state=HEARING_MACHINE.initial, kind=parsed.kind, purpose=parsed.purpose,
    )
    session.add(hearing)
    flush(session)
    _record(session, hearing, actor, "plan", None, hearing.state, parsed.purpose)
    flush(session)
    return hearing


def plan_year(session: Session, actor: User, year: int) -> list[Hearing]:
    """The year's four hearings, as proposed, for the quarters that have none yet."""
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    planned = []
    for quarter in range(1, 5):
        exists = session.execute(
            select(Hearing.id).where(Hearing.year == year, Hearing.quarter == quarter,
                                     Hearing.kind == HearingKind.ORDINARY)
        ).first()
        if exists is None:
            planned.append(plan_hearing(session, actor, proposal(session, actor, year, quarter)))
    return planned


def update_hearing(session: Session, actor: User, hearing_id: int, data: HearingInput,
                   expected_version: int | None, today: date | None = None) -> Hearing:
    """Date, time, place, chair, quorum: while planned, and once convened. A convened hearing whose date, time
    or place changes moves (a step with its reason, its record, new convocations and invitations to everyone
    concerned); a hearing postponed out of its quarter keeps its quarter and its agenda, with its reason."""
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.MANAGE_HEARINGS, expected_version)
    if not HEARING_MACHINE.means(hearing.state, Tag.DETAILS_EDITABLE):
        raise TransitionRefused(msg("Only a hearing that has not yet sat can be changed."))
    parsed = _parse(session, data, kind=hearing.kind)
    reason = data.reason.strip()
    moved = (parsed.day, parsed.start_time, parsed.town.id, parsed.address, parsed.venue) != (
        hearing.day, hearing.start_time, hearing.town_id, hearing.address, hearing.venue)
    convoked = HEARING_MACHINE.means(hearing.state, Tag.CONVOKED)
    leaves_quarter = (hearing.kind is HearingKind.ORDINARY
                      and (parsed.day.year, quarter_of(parsed.day)) != (hearing.year, hearing.quarter))
    if moved and (convoked or leaves_quarter) and not reason:
        message = (msg("Say why the hearing moves: the reason is recorded and new convocations are sent.")
                   if convoked else msg("Say why the hearing is held outside its quarter."))
        raise InvalidInput({"reason": [message]})
    if moved and convoked and parsed.day < (today or clock.today()):
        raise InvalidInput({"day": [msg("The new date is in the past.")]})
    before = (hearing.day, hearing.start_time, _place_words(hearing.venue, hearing.address, hearing.town.name))
    hearing.day, hearing.start_time = parsed.day, parsed.start_time
    hearing.town_id, hearing.venue, hearing.address = parsed.town.id, parsed.venue, parsed.address
    hearing.chair_id = parsed.chair.id if parsed.chair else None
    hearing.quorum, hearing.slot_minutes = parsed.quorum, parsed.slot_minutes
    if parsed.kind is not HearingKind.ORDINARY:
        hearing.purpose = parsed.purpose
    for item in hearing.items:
        if item.kind is ItemKind.APPLICATION:
            item.case.scheduled_for = hearing.day
            item.case.due_date = hearing.day
    if moved and (convoked or reason):
        record_move(session, actor, hearing, before, _place_words(parsed.venue, parsed.address, parsed.town.name),
                    reason, today=today or clock.today())
    audit.record(session, actor, "hearing.updated", "hearing", hearing.id,
                 {"day": hearing.day.isoformat(), "town_id": hearing.town_id, "moved": moved})
    flush(session)
    return hearing


def _place_words(venue: str, address: str, town: str) -> str:
    return ", ".join(part for part in (venue, address, town) if part)
