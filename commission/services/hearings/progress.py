"""Where a session stands: the item in hand (the first still to decide), each person's time slot, what
remains, and whether the session runs late by the clock; and the room's screen, which follows it with what
the whole room may read (the policy's ``Document.ROOM_SCREEN``: the persons by their initials)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.errors import Forbidden
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.hearings import AgendaItem, Decision, Hearing, ItemKind
from commission.policy import Document, Field
from commission.services.hearings.reading import AgendaCounts, agenda_counts, get_hearing, initials
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
    """Where the session stands, counted by the database (never by loading every item): how many items the
    agenda holds and how many are decided, and the one in hand (the first still to decide)."""

    total: int
    decided: int
    current: AgendaItem | None
    late: int | None  # see :func:`minutes_late`

    @property
    def remaining(self) -> int:
        return self.total - self.decided


def _undecided(hearing: Hearing, limit: int) -> Select[AgendaItem]:
    """The first items still to decide, in the agenda's order, with the person each is about."""
    return (select(AgendaItem).where(AgendaItem.hearing_id == hearing.id, AgendaItem.decision.is_(None))
            .options(joinedload(AgendaItem.case).joinedload(Case.applicant))
            .order_by(AgendaItem.position, AgendaItem.id).limit(limit))


def _progress(hearing: Hearing, counts: AgendaCounts, current: AgendaItem | None, now: datetime | None) -> Progress:
    late = minutes_late(hearing, current, now) if HEARING_MACHINE.means(hearing.state, Tag.SITTING) else None
    return Progress(counts.total, counts.decided, current, late)


def progress(session: Session, hearing: Hearing, now: datetime | None = None) -> Progress:
    """The session's progress in two queries whatever the agenda's length: the counts, and the item in hand."""
    counts = agenda_counts(session, hearing)
    current = session.execute(_undecided(hearing, 1)).scalars().first() if counts.undecided else None
    return _progress(hearing, counts, current, now)


# ---------------------------------------------------------------- the room's screen


ROOM_TO_COME = 10  # the items the room's screen lists after the one in hand


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
    to_come: tuple[RoomItem, ...]  # the next ROOM_TO_COME items still to decide after the current one
    more: int  # how many more items remain to decide after those
    decided: int
    remaining: int
    late: int | None


def room_view(session: Session, actor: User, hearing_id: int, now: datetime | None = None) -> RoomView:
    """The session as the room follows it (``policy.Action.FOLLOW_SESSION``), initials only: the item in hand,
    the last decision, and the next :data:`ROOM_TO_COME` items (how many follow them is counted)."""
    hearing = get_hearing(session, actor, hearing_id)
    policy.require(actor, policy.Action.FOLLOW_SESSION, hearing)
    fields = policy.document_fields(actor, Document.ROOM_SCREEN)
    if not fields:
        raise Forbidden()
    counts = agenda_counts(session, hearing)
    coming = list(session.execute(_undecided(hearing, ROOM_TO_COME + 1)).scalars()) if counts.undecided else []
    current = coming[0] if coming else None
    state = _progress(hearing, counts, current, now)
    last = session.execute(
        select(AgendaItem).where(AgendaItem.hearing_id == hearing.id, AgendaItem.decision.is_not(None),
                                 AgendaItem.decided_at.is_not(None))
        .options(joinedload(AgendaItem.case).joinedload(Case.applicant))
        .order_by(AgendaItem.decided_at.desc(), AgendaItem.id.desc()).limit(1)
    ).scalars().first() if counts.decided else None

    def shown(item: AgendaItem) -> RoomItem:
        applicant = item.case.applicant
        person = (f"{applicant.first_name} {applicant.last_name}" if Field.IDENTITY in fields
                  else initials(applicant.first_name, applicant.last_name))
        return RoomItem(item.position, person, item.kind, slot_of(hearing, item),
                        item.decision if Field.DECISIONS in fields else None)

    return RoomView(
        hearing_id=hearing.id, reference=hearing.reference, day=hearing.day, town=hearing.town.name,
        state=hearing.state, sitting=HEARING_MACHINE.means(hearing.state, Tag.SITTING),
        held=HEARING_MACHINE.means(hearing.state, Tag.HELD),
        current=shown(current) if current is not None else None,
        last_decided=shown(last) if last is not None else None,
        to_come=tuple(shown(item) for item in coming[1:]),
        more=max(counts.undecided - len(coming), 0),
        decided=state.decided, remaining=state.remaining, late=state.late,
    )
