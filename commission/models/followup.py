"""Life after the move-in: the care plan, follow-up events, resource meetings, reviews, the exit, and
the reminders sent by e-mail.

The care plan and the follow-up events are care records: the person's care team and the coordinator
read them, every read logged. The follow-up *status* (going well, needs attention, at risk) and its
short non-medical note are what the commission's review sees.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.accounts import User
from commission.models.types import str_enum


class FollowUpStatus(enum.Enum):
    GOING_WELL = "going_well"
    NEEDS_ATTENTION = "needs_attention"
    AT_RISK = "at_risk"


class EventKind(enum.Enum):
    VISIT = "visit"  # a home visit by the nurse or the social worker
    CONSULTATION = "consultation"  # with the referring psychiatrist
    PHONE_CALL = "phone_call"
    HOSPITALISATION = "hospitalisation"
    INCIDENT = "incident"


class IncidentKind(enum.Enum):
    RENT_ARREARS = "rent_arrears"
    NEIGHBOUR_COMPLAINT = "neighbour_complaint"
    LANDLORD_COMPLAINT = "landlord_complaint"
    DAMAGE = "damage"
    OTHER = "other"


class ReviewOutcome(enum.Enum):
    CONTINUE = "continue"  # the tenancy goes on as planned; next review in a year
    CLOSER_FOLLOW_UP = "closer_follow_up"  # reviewed again at the next quarter's hearing
    RESOURCE_MEETING = "resource_meeting"  # the care team calls a resource meeting; reviewed next quarter
    PREPARE_EXIT = "prepare_exit"  # a move to ordinary housing (or elsewhere) is to be prepared


class ExitReason(enum.Enum):
    ORDINARY_HOUSING = "ordinary_housing"
    LEASE_TAKEN_OVER = "lease_taken_over"  # the lease slides to the person: the place leaves the stock
    HOSPITALISATION = "hospitalisation"
    MOVED_ELSEWHERE = "moved_elsewhere"
    DEATH = "death"
    EVICTION = "eviction"
    OTHER = "other"


class PlaceCondition(enum.Enum):
    GOOD = "good"
    WORKS_NEEDED = "works_needed"
    DAMAGED = "damaged"


class MailStatus(enum.Enum):
    SENT = "sent"
    FAILED = "failed"
    NOT_SENT = "not_sent"  # mail is not configured: kept in the outbox only (the demo)


class CarePlan(Base):
    """How the care team follows a housed person: the planned rhythm, the activities, the status."""

    __tablename__ = "care_plan"
    __table_args__ = (
        CheckConstraint("visit_every_days IS NULL OR visit_every_days BETWEEN 1 AND 366", name="visit_rhythm"),
        CheckConstraint("consultation_every_days IS NULL OR consultation_every_days BETWEEN 1 AND 366",
                        name="consultation_rhythm"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), primary_key=True)
    visit_every_days: Mapped[int | None] = mapped_column(doc="Planned days between two home visits.")
    consultation_every_days: Mapped[int | None] = mapped_column(doc="Planned days between two consultations.")
    activities: Mapped[str] = mapped_column(Text, default="", doc="Therapeutic activities and their schedule.")
    status: Mapped[FollowUpStatus] = mapped_column(str_enum(FollowUpStatus, "followup_status"),
                                                   default=FollowUpStatus.GOING_WELL)
    status_note: Mapped[str] = mapped_column(Text, default="", doc="What the review sees: never medical.")
    status_since: Mapped[date | None] = mapped_column(doc="When the status was last set.")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    __mapper_args__ = {"version_id_col": version}


class FollowUpEvent(Base):
    """Something the care team did or saw: recorded once, never edited (a correction is a new event)."""

    __tablename__ = "followup_event"
    __table_args__ = (
        Index("ix_followup_event_case_kind_on", "case_id", "kind", "occurred_on"),
        CheckConstraint("(kind = 'incident') = (incident_kind IS NOT NULL)", name="incident_kind_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "event_kind"))
    incident_kind: Mapped[IncidentKind | None] = mapped_column(str_enum(IncidentKind, "incident_kind"))
    serious: Mapped[bool] = mapped_column(default=False, doc="A serious incident: it may call a resource meeting.")
    occurred_on: Mapped[date]
    summary: Mapped[str] = mapped_column(Text, default="")
    action_taken: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by: Mapped[User | None] = relationship()


class ResourceMeeting(Base):
    """A *cellule ressource*: everyone concerned meets to find a way through a tenancy in trouble."""

    __tablename__ = "resource_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("followup_event.id"), doc="The incident that called it.")
    meeting_date: Mapped[date]
    attendees: Mapped[str] = mapped_column(Text, default="", doc="Who attends: names and roles.")
    person_included: Mapped[bool] = mapped_column(default=True, doc="The person takes part in the meeting.")
    held: Mapped[bool] = mapped_column(default=False, doc="Set with the outcome once the meeting took place.")
    outcome: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actions: Mapped[list[MeetingAction]] = relationship(back_populates="meeting", order_by="MeetingAction.id")

    __mapper_args__ = {"version_id_col": version}


class MeetingAction(Base):
    """One action agreed at a resource meeting, its owner and due date, followed until it is done."""

    __tablename__ = "meeting_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("resource_meeting.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), doc="Who carries it out (a person or a service).")
    due_date: Mapped[date | None]
    done_on: Mapped[date | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")

    meeting: Mapped[ResourceMeeting] = relationship(back_populates="actions")

    __mapper_args__ = {"version_id_col": version}


class CaseReview(Base):
    """The commission's review of a housed person's tenancy, at a hearing: what it saw and decided."""

    __tablename__ = "case_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    hearing_id: Mapped[int | None] = mapped_column(ForeignKey("hearing.id"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"), unique=True)
    reviewed_on: Mapped[date]
    status_seen: Mapped[FollowUpStatus | None] = mapped_column(
        str_enum(FollowUpStatus, "review_status_seen"), doc="The follow-up status the commission saw."
    )
    outcome: Mapped[ReviewOutcome] = mapped_column(str_enum(ReviewOutcome, "review_outcome"))
    note: Mapped[str] = mapped_column(Text, default="")
    next_review: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseExit(Base):
    """How a tenancy ended: recorded once per occupancy, with the step that closes the file."""

    __tablename__ = "case_exit"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    occupancy_id: Mapped[int] = mapped_column(ForeignKey("occupancy.id"), unique=True,
                                              doc="The tenancy that ended (a reopened file may be housed again).")
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id"), index=True)
    reason: Mapped[ExitReason] = mapped_column(str_enum(ExitReason, "exit_reason"))
    exit_date: Mapped[date] = mapped_column(index=True)
    place_condition: Mapped[PlaceCondition] = mapped_column(str_enum(PlaceCondition, "place_condition"))
    place_notes: Mapped[str] = mapped_column(Text, default="", doc="The inventory of fixtures, in short.")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class SentMail(Base):
    """One e-mail the software composed: the daily digest of reminders to a user, a letter to a partner (the letter
    attached), or the note telling a person a letter is waiting; the outbox, and its delivery."""

    __tablename__ = "sent_mail"
    __table_args__ = (UniqueConstraint("user_id", "kind", "for_date", name="uq_sent_mail_user_kind_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True,
                                                doc="The user a digest is for; empty for a letter's e-mail.")
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_letter.id"), index=True,
                                                  doc="The letter attached, or announced to the person.")
    kind: Mapped[str] = mapped_column(String(20), default="digest", doc="digest, letter or letter_notice.")
    for_date: Mapped[date] = mapped_column(doc="The day the digest is for: one per user and day.")
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus, "mail_status"))
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()
