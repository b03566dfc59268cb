"""The quarterly hearing: its agenda, who attended, the decisions and votes, and its minutes."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.housing import Place
from commission.models.reference import Town
from commission.models.steps import StepRecord
from commission.models.types import str_enum


class HearingKind(enum.Enum):
    ORDINARY = "ordinary"  # the quarterly hearing: one per quarter
    EXTRAORDINARY = "extraordinary"  # convened with a reason, outside the quarterly rhythm
    WRITTEN = "written"  # a written consultation of the members between hearings, for an urgent case


class ItemKind(enum.Enum):
    APPLICATION = "application"  # a file heard for a decision
    REVIEW = "review"  # a housed person's follow-up, reviewed


class Decision(enum.Enum):
    ALLOCATE = "allocate"  # the place is offered (rank 1 of its candidates, or the only one)
    RANKED = "ranked"  # a further candidate for a place: offered it if those ranked before decline
    WAITING_LIST = "waiting_list"
    DEFER = "defer"
    REFUSE = "refuse"
    REVIEW_NOTED = "review_noted"  # a follow-up review: the commission took note


class AttendanceStatus(enum.Enum):
    PRESENT = "present"
    EXCUSED = "excused"
    REPRESENTED = "represented"
    ABSENT = "absent"


class VoteChoice(enum.Enum):
    IN_FAVOUR = "in_favour"
    AGAINST = "against"
    ABSTAIN = "abstain"


class MinutesStatus(enum.Enum):
    DRAFT = "draft"
    APPROVED = "approved"
    SIGNED = "signed"


class Hearing(Base):
    """One quarterly hearing, in a host town, chaired by one of its elected officials."""

    __tablename__ = "hearing"
    # One ordinary hearing per quarter; an extraordinary one (or a written consultation) may sit beside it.
    __table_args__ = (Index("uq_hearing_ordinary_year_quarter", "year", "quarter", unique=True,
                            sqlite_where=text("kind = 'ordinary'"), postgresql_where=text("kind = 'ordinary'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    quarter: Mapped[int] = mapped_column(doc="1 to 4.")
    day: Mapped[date] = mapped_column(index=True)
    start_time: Mapped[time]
    slot_minutes: Mapped[int] = mapped_column(default=20, doc="Time given to each person on the agenda.")
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), doc="The host town: the venue rotates.")
    venue: Mapped[str] = mapped_column(String(200), default="", doc="The room.")
    address: Mapped[str] = mapped_column(String(300), default="")
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                 doc="An elected official of the host town.")
    quorum: Mapped[int] = mapped_column(doc="Voting members present or represented needed to decide.")
    kind: Mapped[HearingKind] = mapped_column(str_enum(HearingKind, "hearing_kind"), default=HearingKind.ORDINARY,
                                              server_default=HearingKind.ORDINARY.value,
                                              doc="Ordinary (quarterly), extraordinary, or a written consultation.")
    purpose: Mapped[str] = mapped_column(Text, default="",
                                         doc="Why a hearing off the quarterly rhythm is held.")
    state: Mapped[str] = mapped_column(String(32), index=True, doc="The hearing machine's state.")
    version: Mapped[int] = mapped_column(default=1)
    invitation_sequence: Mapped[int] = mapped_column(default=0, doc="Raised when a convened hearing moves.")
    convened_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    town: Mapped[Town] = relationship()
    chair: Mapped[User | None] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="hearing", order_by="AgendaItem.position", foreign_keys="AgendaItem.hearing_id"
    )
    attendances: Mapped[list[Attendance]] = relationship(back_populates="hearing", order_by="Attendance.id")
    minutes: Mapped[list[Minutes]] = relationship(back_populates="hearing", order_by="Minutes.number")

    __mapper_args__ = {"version_id_col": version}

    @property
    def reference(self) -> str:
        """The quarter it counts for ("2026-T3"); an extraordinary hearing's adds its number ("2026-T3-E12"), a
        written consultation's too ("2026-T3-C14"), so that neither is taken for the quarter's ordinary hearing."""
        if self.kind is HearingKind.EXTRAORDINARY:
            return f"{self.year}-T{self.quarter}-E{self.id}"
        if self.kind is HearingKind.WRITTEN:
            return f"{self.year}-T{self.quarter}-C{self.id}"
        return f"{self.year}-T{self.quarter}"

    @property
    def off_rhythm(self) -> bool:
        """Held outside the quarterly rhythm (extraordinary, or a written consultation): shown as such."""
        return self.kind is not HearingKind.ORDINARY


class HearingTransition(StepRecord, Base):
    """One step of a hearing's life: who, when, from, to, which trigger, why."""

    __tablename__ = "hearing_transition"
    __table_args__ = (UniqueConstraint("hearing_id", "hearing_version", name="uq_hearing_transition_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id"), index=True)
    hearing_version: Mapped[int]


class AgendaItem(Base):
    """A person's file on a hearing's agenda, and what the hearing decided for it."""

    __tablename__ = "agenda_item"
    __table_args__ = (
        UniqueConstraint("hearing_id", "case_id", name="uq_agenda_item_hearing_case"),
        Index("ix_agenda_item_hearing_position", "hearing_id", "position"),
        Index("ix_agenda_item_place_rank", "place_id", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    position: Mapped[int]
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind, "item_kind"))
    carried_over: Mapped[bool] = mapped_column(default=False, doc="Deferred at an earlier hearing.")
    time_slot: Mapped[time | None] = mapped_column(doc="Set when the hearing is convened.")
    attended: Mapped[bool | None] = mapped_column(doc="Whether the person came to present their situation.")
    decision: Mapped[Decision | None] = mapped_column(str_enum(Decision, "decision"))
    reason: Mapped[str] = mapped_column(Text, default="")
    awaited: Mapped[str] = mapped_column(Text, default="", doc="For a deferral: what the commission awaits.")
    deferred_to_id: Mapped[int | None] = mapped_column(ForeignKey("hearing.id"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), doc="The place allocated or ranked for.")
    rank: Mapped[int | None] = mapped_column(doc="Rank among the candidates for the place; 1 gets the offer.")
    minutes_note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    hearing: Mapped[Hearing] = relationship(back_populates="items", foreign_keys=[hearing_id])
    case: Mapped[Case] = relationship()
    place: Mapped[Place | None] = relationship()
    deferred_to: Mapped[Hearing | None] = relationship(foreign_keys=[deferred_to_id])
    votes: Mapped[list[Vote]] = relationship(back_populates="item", order_by="Vote.id")
    recusals: Mapped[list[Recusal]] = relationship(back_populates="item", order_by="Recusal.id")


class Attendance(Base):
    """Someone invited to a hearing, and whether they came, were excused or represented."""

    __tablename__ = "hearing_attendance"
    __table_args__ = (UniqueConstraint("hearing_id", "user_id", name="uq_hearing_attendance_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                doc="Empty for someone without an account.")
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[str] = mapped_column(String(300), doc="The role they sit in.")
    email: Mapped[str] = mapped_column(String(200), default="")
    votes: Mapped[bool] = mapped_column(default=True, doc="A voting member of the commission.")
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus, "attendance_status"),
                                                     default=AttendanceStatus.ABSENT)
    represented_by: Mapped[str] = mapped_column(String(200), default="")

    hearing: Mapped[Hearing] = relationship(back_populates="attendances")
    user: Mapped[User | None] = relationship()

    @property
    def counts_for_quorum(self) -> bool:
        return self.votes and self.status in (AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTED)


class Vote(Base):
    """One member's vote on one item, recorded as they cast it at the session."""

    __tablename__ = "agenda_vote"
    __table_args__ = (UniqueConstraint("item_id", "attendance_id", name="uq_agenda_vote_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    attendance_id: Mapped[int] = mapped_column(ForeignKey("hearing_attendance.id"))
    choice: Mapped[VoteChoice] = mapped_column(str_enum(VoteChoice, "vote_choice"))

    item: Mapped[AgendaItem] = relationship(back_populates="votes")
    attendance: Mapped[Attendance] = relationship()


class Recusal(Base):
    """A member withdrawn from one item for a conflict of interest: they do not vote on it."""

    __tablename__ = "agenda_recusal"
    __table_args__ = (UniqueConstraint("item_id", "attendance_id", name="uq_agenda_recusal_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    attendance_id: Mapped[int] = mapped_column(ForeignKey("hearing_attendance.id"))
    reason: Mapped[str] = mapped_column(Text, default="")

    item: Mapped[AgendaItem] = relationship(back_populates="recusals")
    attendance: Mapped[Attendance] = relationship()


class Minutes(Base):
    """One version of a hearing's minutes. Signed versions never change: a correction is a new version."""

    __tablename__ = "minutes"
    __table_args__ = (UniqueConstraint("hearing_id", "number", name="uq_minutes_hearing_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id"), index=True)
    number: Mapped[int] = mapped_column(doc="The version: 1, then 2 for a first correction...")
    status: Mapped[MinutesStatus] = mapped_column(str_enum(MinutesStatus, "minutes_status"),
                                                  default=MinutesStatus.DRAFT)
    remarks: Mapped[str] = mapped_column(Text, default="")
    movements: Mapped[str] = mapped_column(Text, default="", doc="Admissions and exits since the last hearing.")
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[str] = mapped_column(Text, default="", doc="The approved content (JSON), frozen.")
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signer_capacity: Mapped[str] = mapped_column(String(300), default="")
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="", doc="The signed full PDF, in the store.")
    redacted_sha256: Mapped[str] = mapped_column(String(64), default="", doc="The signed redacted PDF.")
    version_counter: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    names_erased_at: Mapped[datetime | None] = mapped_column(
        doc="Set when the retention rules replaced the names of anonymised persons in signed minutes."
    )

    hearing: Mapped[Hearing] = relationship(back_populates="minutes")
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])

    __mapper_args__ = {"version_id_col": version_counter}


# What the retention rules may change in signed minutes, and only while marking them so: the names of
# anonymised persons in the frozen content and the full PDF rendered from it.
RETENTION_ERASABLE = frozenset({"snapshot", "pdf_sha256", "redacted_sha256", "names_erased_at", "version_counter"})


def _is_retention_erasure(state: Any) -> bool:
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    return "names_erased_at" in changed and changed <= RETENTION_ERASABLE and state.obj().names_erased_at is not None


class SignedMinutesAreImmutable(Exception):
    """Raised by the ORM itself if anything tries to change signed minutes (the services refuse first)."""


@event.listens_for(Minutes, "before_update")
def _refuse_changes_to_signed_minutes(_mapper: Mapper[Minutes], _connection: Connection, target: Minutes) -> None:
    from sqlalchemy import inspect

    state = inspect(target)
    if _is_retention_erasure(state):
        return
    history = state.attrs.status.history
    was_signed = (history.deleted and history.deleted[0] is MinutesStatus.SIGNED) or (
        not history.has_changes() and target.status is MinutesStatus.SIGNED
    )
    if was_signed:
        raise SignedMinutesAreImmutable(f"minutes {target.id} are signed and cannot change")


class HearingMove(Base):
    """A convened hearing moved (or a hearing postponed out of its quarter): from, to, why, who, when, and
    the sequence its calendar invitations carry since. The notices record who was told."""

    __tablename__ = "hearing_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text)
    from_day: Mapped[date]
    from_time: Mapped[time]
    from_place: Mapped[str] = mapped_column(String(600), default="", doc="Room, address and town, in words.")
    to_day: Mapped[date]
    to_time: Mapped[time]
    to_place: Mapped[str] = mapped_column(String(600), default="")
    sequence: Mapped[int] = mapped_column(default=0, doc="The calendar invitations' SEQUENCE after the move.")

    notices: Mapped[list[HearingNotice]] = relationship(back_populates="move", order_by="HearingNotice.id")


class HearingNotice(Base):
    """One person told of a move: a new convocation letter (by post) and an updated calendar invitation."""

    __tablename__ = "hearing_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    move_id: Mapped[int] = mapped_column(ForeignKey("hearing_move.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), doc="person, guardian, care_team or member.")
    recipient_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="", doc="Where the calendar invitation goes.")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), doc="The file the letter is about.")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), doc="A member with an account.")
    letter: Mapped[bool] = mapped_column(default=False, doc="A new convocation letter, by post.")
    invitation: Mapped[bool] = mapped_column(default=False, doc="An updated calendar invitation.")

    move: Mapped[HearingMove] = relationship(back_populates="notices")


class AnswerChoice(enum.Enum):
    IN_FAVOUR = "in_favour"
    AGAINST = "against"
    ABSTAIN = "abstain"
    WITHDRAWN = "withdrawn"  # the member withdraws for a conflict of interest: no vote


class Consultation(Base):
    """A written consultation of the members between hearings, for one urgent file: a hearing of kind
    ``written`` whose one agenda item carries the file. The hearing's day and start time are the deadline
    for the answers (council time); its ``purpose`` says why the case is urgent. What is put to the members
    is here; what is decided, once adopted, is the item's decision, as at a hearing."""

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id"), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), unique=True)
    proposal: Mapped[Decision] = mapped_column(str_enum(Decision, "consultation_proposal"),
                                               doc="The decision put to the members.")
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), doc="The vacant place proposed.")
    grounds: Mapped[str] = mapped_column(Text, doc="The proposal's reason, as the decision would give it.")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    concluded_at: Mapped[datetime | None]

    hearing: Mapped[Hearing] = relationship()
    item: Mapped[AgendaItem] = relationship()
    place: Mapped[Place | None] = relationship()
    answers: Mapped[list[ConsultationAnswer]] = relationship(back_populates="consultation",
                                                             order_by="ConsultationAnswer.id")


class ConsultationAnswer(Base):
    """One member's written answer, given once from their own page before the deadline. When the proposal is
    adopted, the answers become the item's votes and withdrawals, as cast at a session."""

    __tablename__ = "consultation_answer"
    __table_args__ = (UniqueConstraint("consultation_id", "attendance_id", name="uq_consultation_answer_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    attendance_id: Mapped[int] = mapped_column(ForeignKey("hearing_attendance.id"))
    choice: Mapped[AnswerChoice] = mapped_column(str_enum(AnswerChoice, "answer_choice"))
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    consultation: Mapped[Consultation] = relationship(back_populates="answers")
    attendance: Mapped[Attendance] = relationship()


class UsualReason(Base):
    """One of the commission's usual reasons for a kind of decision, offered to the chair at the session (who
    may type another). The coordinator keeps the list; a reason no longer offered is retired, never deleted."""

    __tablename__ = "usual_reason"
    __table_args__ = (
        UniqueConstraint("decision", "text", name="uq_usual_reason_decision"),
        Index("ix_usual_reason_decision_position", "decision", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision: Mapped[Decision] = mapped_column(str_enum(Decision, "usual_reason_decision"),
                                               doc="The kind of decision it gives the reason of.")
    text: Mapped[str] = mapped_column(String(300), doc="The reason, as the minutes and the letters quote it.")
    position: Mapped[int] = mapped_column(default=0, doc="Its place in the list offered to the chair.")
    active: Mapped[bool] = mapped_column(default=True, doc="Offered at the session; a retired reason is kept.")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}
