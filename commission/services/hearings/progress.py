"""Where a session stands: the item in hand (the first still to decide), each person's time slot, what
remains, and whether the session runs late by the clock; and the room's screen, which follows it with what
the whole room may read (the policy's ``Document.ROOM_SCREEN``: the persons by their initials)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from commission import clock, policy
from commission.errors import Forbidden
from commission.models.accounts import User
from commission.models.hearings import AgendaItem, Decision, Hearing, ItemKind
from commission.policy import Document, Field
from commission.services.hearings.reading import get_hearing, initials, items
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag


@dataclass(frozen=True)
class Slot:
    """The time given to one person: from the slot the convocation gave, for the hearing's minutes per person."""

    start: time
    end: time


def slot_of(hearing: Hearing, item: AgendaItem) -> Slot | None:
    """An item's time slot, once the hearing is convened (the convocations give it)."""
    if item.time_slot is None:
        return None
    end = datetime.combine(hearing.day, item.time_slot) + timedelta(minutes=hearing.slot_minutes)
    return Slot(item.time_slot, end.time())


def minutes_late(hearing: Hearing, item: AgendaItem | None, now: datetime | None = None) -> int | None:
    """How the session stands against its timetable, on its day: the minutes past the end of the slot of the item
    in hand (late), 0 within it, negative before it begins (the person is convened later); None on another day."""
    moment = (now or clock.now()).astimezone(clock.COUNCIL_ZONE)
    slot = slot_of(hearing, item) if item is not None else None
    if slot is None or moment.date() != hearing.day:
        return None
    start = datetime.combine(hearing.day, slot.start, tzinfo=clock.COUNCIL_ZONE)
    end = start + timedelta(minutes=hearing.slot_minutes)
    if moment < start:
        return -_whole_minutes(start - moment)
    return _whole_minutes(moment - end) if moment > end else 0


def _whole_minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


@dataclass(frozen=True)
class Progress:
    """The session's items in order, the one in hand, and how many are decided and remain."""

    items: Sequence[AgendaItem]
    current: AgendaItem | None
    decided: int
    late: int | None  # see :func:`minutes_late`

    @property
    def remaining(self) -> int:
        return len(self.items) - self.decided


def progress(hearing: Hearing, rows: Sequence[AgendaItem], now: datetime | None = None) -> Progress:
    current = next((item for item in rows if item.decision is None), None)
    late = minutes_late(hearing, current, now) if HEARING_MACHINE.means(hearing.state, Tag.SITTING) else None
    return Progress(rows, current, sum(1 for item in rows if item.decision is not None), late)


# ---------------------------------------------------------------- the room's screen


@dataclass(frozen=True)
class RoomItem:
    position: int
    person: str  # the initials; the name only for a reader whose fields hold the identity (none does)
    kind: ItemKind
    slot: Slot | None
    decision: Decision | None  # None also for a reader whose fields hold no decision


@dataclass(frozen=True)
class RoomView:
    """What the room's screen shows: plain data, holding only what the policy gives the room."""

    hearing_id: int
    reference: str
    day: date
    town: str
    state: str
    sitting: bool
    held: bool  # the session has sat (it is closed, or sits)
    current: RoomItem | None
    last_decided: RoomItem | None
    to_come: tuple[RoomItem, ...]
    decided: int
    remaining: int
    late: int | None


def room_view(session: Session, actor: User, hearing_id: int, now: datetime | None = None) -> RoomView:
    """The session as the room follows it (``policy.Action.FOLLOW_SESSION``), initials only."""
    hearing = get_hearing(session, actor, hearing_id)
    policy.require(actor, policy.Action.FOLLOW_SESSION, hearing)
    fields = policy.document_fields(actor, Document.ROOM_SCREEN)
    if not fields:
        raise Forbidden()
    rows = items(session, hearing)
    state = progress(hearing, rows, now)

    def shown(item: AgendaItem) -> RoomItem:
        applicant = item.case.applicant
        person = (f"{applicant.first_name} {applicant.last_name}" if Field.IDENTITY in fields
                  else initials(applicant.first_name, applicant.last_name))
        return RoomItem(item.position, person, item.kind, slot_of(hearing, item),
                        item.decision if Field.DECISIONS in fields else None)

    decided = [item for item in rows if item.decision is not None and item.decided_at is not None]
    last = max(decided, key=lambda item: (item.decided_at, item.id)) if decided else None
    current = state.current
    return RoomView(
        hearing_id=hearing.id, reference=hearing.reference, day=hearing.day, town=hearing.town.name,
        state=hearing.state, sitting=HEARING_MACHINE.means(hearing.state, Tag.SITTING),
        held=HEARING_MACHINE.means(hearing.state, Tag.HELD),
        current=shown(current) if current is not None else None,
        last_decided=shown(last) if last is not None else None,
        to_come=tuple(shown(item) for item in rows if item.decision is None and item is not current),
        decided=state.decided, remaining=state.remaining, late=state.late,
    )
