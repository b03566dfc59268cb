"""The housing sub-group's members without an account, its meetings, who attended them and the actions agreed.

The sub-group follows the scheme (admissions and exits, agreements, official letters, new partners): its meetings
take no decision on a person, hold no vote and no health data. Its accounts sit in it through
``User.housing_subgroup``; the members below are the others (an elected official, a representative of an
association) who come without an account. Named ``Subgroup*`` so as not to be confused with a housed person's
resource meetings (``ResourceMeeting``, ``MeetingAction``).
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.accounts import User
from commission.models.reference import Organisation, Town


class SubgroupMember(Base):
    """Someone who sits in the housing sub-group without an account of the software."""

    __tablename__ = "subgroup_member"
    __table_args__ = (CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joining"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), doc="The member's name, as the minutes write it.")
    capacity: Mapped[str] = mapped_column(String(200), doc="In what capacity they sit: \"Adjointe au maire de "
                                                           "Ronchin\", \"Représentante de l'UNAFAM\".")
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"), doc="The member town they represent, if any.")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"),
                                                        doc="The organisation they represent, if any.")
    email: Mapped[str] = mapped_column(String(200), default="", doc="How to reach them by e-mail.")
    phone: Mapped[str] = mapped_column(String(40), default="", doc="How to reach them by telephone.")
    joined_on: Mapped[date] = mapped_column(doc="When they joined the sub-group.")
    left_on: Mapped[date | None] = mapped_column(doc="When they left it; empty while they sit in it.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, doc="When the member was recorded.")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")

    town: Mapped[Town | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class SubgroupMeeting(Base):
    """A meeting of the housing sub-group: planned with its date, place and agenda; its notes written after."""

    __tablename__ = "subgroup_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(index=True, doc="The day of the meeting.")
    starts_at: Mapped[time | None] = mapped_column(doc="The time it starts, if set.")
    location: Mapped[str] = mapped_column(String(200), doc="Where it meets.")
    agenda: Mapped[str] = mapped_column(Text, default="", doc="What it will go through, written ahead.")
    notes: Mapped[str] = mapped_column(Text, default="", doc="The minutes, written once the meeting was held.")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), doc="Who planned it.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, doc="When it was planned.")
    notes_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                    doc="Who last recorded its notes.")
    notes_at: Mapped[datetime | None] = mapped_column(doc="When its notes were last recorded.")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    attendances: Mapped[list[SubgroupAttendance]] = relationship(back_populates="meeting",
                                                                 order_by="SubgroupAttendance.id")
    actions: Mapped[list[SubgroupAction]] = relationship(back_populates="meeting", order_by="SubgroupAction.id")

    __mapper_args__ = {"version_id_col": version}


class SubgroupAttendance(Base):
    """One member present at a meeting: an account or a member without one."""

    __tablename__ = "subgroup_attendance"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (member_id IS NULL)", name="one_person"),
        UniqueConstraint("meeting_id", "user_id"),
        UniqueConstraint("meeting_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("subgroup_meeting.id"), index=True,
                                            doc="The meeting attended.")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), doc="The account present, if one.")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("subgroup_member.id"),
                                                  doc="The member without an account present, if one.")

    meeting: Mapped[SubgroupMeeting] = relationship(back_populates="attendances")
    user: Mapped[User | None] = relationship()
    member: Mapped[SubgroupMember | None] = relationship()


class SubgroupAction(Base):
    """An action agreed at a meeting: who carries it, by when, followed until it is done."""

    __tablename__ = "subgroup_action"
    __table_args__ = (
        CheckConstraint("owner_user_id IS NULL OR owner_member_id IS NULL", name="one_owner"),
        CheckConstraint("done_on IS NULL OR done_by_id IS NOT NULL", name="done_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("subgroup_meeting.id"), index=True,
                                            doc="The meeting that agreed it.")
    description: Mapped[str] = mapped_column(String(500), doc="What is to be done.")
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                      doc="The account that carries it, if one.")
    owner_member_id: Mapped[int | None] = mapped_column(ForeignKey("subgroup_member.id"),
                                                        doc="The member without an account who carries it, if one.")
    due_on: Mapped[date | None] = mapped_column(doc="When it is due, if a date was set.")
    done_on: Mapped[date | None] = mapped_column(doc="When it was done; empty while it is open.")
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), doc="Who marked it done.")
    outcome: Mapped[str] = mapped_column(Text, default="", doc="What came of it, said when it is marked done.")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), doc="Who recorded it.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, doc="When it was recorded.")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")

    meeting: Mapped[SubgroupMeeting] = relationship(back_populates="actions")
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
    owner_member: Mapped[SubgroupMember | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def owner_name(self) -> str:
        """Who carries it, by name; empty when no one was named."""
        if self.owner_user is not None:
            return self.owner_user.display_name
        return self.owner_member.name if self.owner_member is not None else ""
