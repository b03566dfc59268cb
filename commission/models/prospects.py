"""The structures and landlords the housing sub-group approaches, followed step by step to a signed agreement."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.accounts import User
from commission.models.housing import PlaceKind
from commission.models.reference import Organisation, OrganisationKind, Town
from commission.models.steps import StepRecord
from commission.models.tenancy import Agreement
from commission.models.types import str_enum


class Prospect(Base):
    """A structure or landlord that could bring places: from the first contact to the signed agreement."""

    __tablename__ = "prospect"
    __table_args__ = (CheckConstraint("places_announced >= 0", name="places_announced_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), doc="The structure's or landlord's name.")
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, "organisation_kind"),
                                                   doc="What it is: a social landlord, a hostel, a residence...")
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"), doc="Where it is, if a member town.")
    contact_name: Mapped[str] = mapped_column(String(200), default="", doc="The person the sub-group speaks to.")
    contact_role: Mapped[str] = mapped_column(String(200), default="", doc="That person's position.")
    phone: Mapped[str] = mapped_column(String(40), default="", doc="The contact's telephone.")
    email: Mapped[str] = mapped_column(String(200), default="", doc="The contact's e-mail address.")
    places_announced: Mapped[int] = mapped_column(default=0, doc="The places it could bring, as announced.")
    place_kind: Mapped[PlaceKind | None] = mapped_column(str_enum(PlaceKind, "place_kind"),
                                                         doc="The kind of places it could bring, if known.")
    notes: Mapped[str] = mapped_column(Text, default="", doc="What the sub-group knows of it.")
    next_action: Mapped[str] = mapped_column(String(300), default="", doc="What is to be done next.")
    next_action_due: Mapped[date | None] = mapped_column(doc="By when the next action is to be done.")
    state: Mapped[str] = mapped_column(String(32), index=True, doc="The prospect machine's state.")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), doc="The partner: an existing one, or the one created at the signing.")
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"), doc="The agreement signed.")
    follower_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), doc="Who follows it.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")

    town: Mapped[Town | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    agreement: Mapped[Agreement | None] = relationship()
    follower: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ProspectTransition(StepRecord, Base):
    """One step of a prospect: the day it happened, its note (the step's reason) and the next action."""

    __tablename__ = "prospect_transition"
    __table_args__ = (UniqueConstraint("prospect_id", "prospect_version", name="uq_prospect_transition_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospect.id"), index=True)
    prospect_version: Mapped[int] = mapped_column(doc="The prospect's version the step produced.")
    on: Mapped[date] = mapped_column(doc="The day the step happened (today or before, never later).")
    next_action: Mapped[str] = mapped_column(String(300), default="", doc="The next action decided then.")
    next_action_due: Mapped[date | None] = mapped_column(doc="By when that next action was to be done.")


__all__ = ["Prospect", "ProspectTransition"]
