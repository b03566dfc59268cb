"""Planning the hearings: the usual day and town of a quarter, a hearing planned, a year's four, a
hearing's practical details changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import policy
from commission.errors import InvalidInput, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.hearings import Hearing, ItemKind
from commission.models.reference import Town
from commission.parsing import as_id, collect, parse_date, parse_text, parse_time, parse_whole
from commission.services import audit
from commission.services.hearings.agenda import _set_time_slots
from commission.services.hearings.reading import _load_for_change, _record
from commission.services.unit import flush
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag

HEARING_MONTHS = (3, 6, 9, 12)
DEFAULT_START = time(14, 0)
DEFAULT_QUORUM = 5


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


def _parse(session: Session, data: HearingInput) -> _Parsed:
    errors: dict[str, list[Message]] = {}
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
    return _Parsed(day, start, town, venue or "", address or "", chair, quorum, slot)


def proposal(session: Session, actor: User, year: int, quarter: int) -> HearingInput:
    """The usual hearing of a quarter: third Thursday, the next town in the rotation, one of its chairs."""
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    towns = list(session.execute(select(Town).order_by(Town.name)).scalars())
    if not towns:
        return HearingInput(day=default_day(year, quarter).isoformat())
    previous = session.execute(
        select(Hearing).where(Hearing.day < default_day(year, quarter)).order_by(Hearing.day.desc()).limit(1)
    ).scalar_one_or_none()
    if previous is not None and previous.town_id in [town.id for town in towns]:
        index = ([town.id for town in towns].index(previous.town_id) + 1) % len(towns)
    else:
        index = (year * 4 + quarter - 1) % len(towns)
    town = towns[index]
    chair = session.execute(
        select(User).where(policy.chair_clause(), User.town_id == town.id, User.active).order_by(User.id).limit(1)
    ).scalar_one_or_none()
    return HearingInput(
        day=default_day(year, quarter).isoformat(), town_id=str(town.id), chair_id=str(chair.id) if chair else "",
        venue=str(msg("Council chamber, town hall of %(town)s", town=town.name)),
    )


def plan_hearing(session: Session, actor: User, data: HearingInput) -> Hearing:
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    parsed = _parse(session, data)
    quarter = quarter_of(parsed.day)
    taken = session.execute(
        select(Hearing.id).where(Hearing.year == parsed.day.year, Hearing.quarter == quarter,
                                 Hearing.state.in_(HEARING_MACHINE.tagged(Tag.TAKES_PLACE)))
    ).first()
    if taken is not None:
        raise InvalidInput({"day": [msg("A hearing is already planned for this quarter.")]})
    cancelled = session.execute(
        select(Hearing).where(Hearing.year == parsed.day.year, Hearing.quarter == quarter)
    ).scalar_one_or_none()
    if cancelled is not None:
        raise InvalidInput({"day": [msg("This quarter's hearing was cancelled; plan the next quarter's.")]})
    hearing = Hearing(
        year=parsed.day.year, quarter=quarter, day=parsed.day, start_time=parsed.start_time,
        town_id=parsed.town.id, venue=parsed.venue, address=parsed.address,
        chair_id=parsed.chair.id if parsed.chair else None, quorum=parsed.quorum,
        slot_minutes=parsed.slot_minutes, state=HEARING_MACHINE.initial,
    )
    session.add(hearing)
    flush(session)
    _record(session, hearing, actor, "plan", None, hearing.state)
    flush(session)
    return hearing


def plan_year(session: Session, actor: User, year: int) -> list[Hearing]:
    """The year's four hearings, as proposed, for the quarters that have none yet."""
    policy.require(actor, policy.Action.MANAGE_HEARINGS)
    planned = []
    for quarter in range(1, 5):
        exists = session.execute(
            select(Hearing.id).where(Hearing.year == year, Hearing.quarter == quarter)
        ).first()
        if exists is None:
            planned.append(plan_hearing(session, actor, proposal(session, actor, year, quarter)))
    return planned


def update_hearing(session: Session, actor: User, hearing_id: int, data: HearingInput,
                   expected_version: int | None) -> Hearing:
    """Date, time, place, chair, quorum: while planned; once convened, the convocations are re-sent."""
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.MANAGE_HEARINGS, expected_version)
    if not HEARING_MACHINE.means(hearing.state, Tag.DETAILS_EDITABLE):
        raise TransitionRefused(msg("Only a hearing that has not yet sat can be changed."))
    parsed = _parse(session, data)
    if (parsed.day.year, quarter_of(parsed.day)) != (hearing.year, hearing.quarter):
        raise InvalidInput({"day": [msg("The date must stay within the hearing's quarter.")]})
    moved = (parsed.day, parsed.start_time, parsed.address, parsed.venue) != (
        hearing.day, hearing.start_time, hearing.address, hearing.venue)
    hearing.day, hearing.start_time = parsed.day, parsed.start_time
    hearing.town_id, hearing.venue, hearing.address = parsed.town.id, parsed.venue, parsed.address
    hearing.chair_id = parsed.chair.id if parsed.chair else None
    hearing.quorum, hearing.slot_minutes = parsed.quorum, parsed.slot_minutes
    if HEARING_MACHINE.means(hearing.state, Tag.CONVOKED) and moved:
        hearing.invitation_sequence += 1
        _set_time_slots(hearing)
    for item in hearing.items:
        if item.kind is ItemKind.APPLICATION:
            item.case.scheduled_for = hearing.day
            item.case.due_date = hearing.day
    audit.record(session, actor, "hearing.updated", "hearing", hearing.id,
                 {"day": hearing.day.isoformat(), "town_id": hearing.town_id, "moved": moved})
    flush(session)
    return hearing
