"""The territory's structures (the directory and its printed guide), and the orientation of a person towards them.

The directory is wider than the council's partners (:class:`commission.models.reference.Organisation`, those that
provide places or take part in the commission): it holds every structure a professional may orient someone to, of
care, social, housing, peer and family help, and prevention. An orientation sends one person, with their consent,
to one structure (why, what is asked) and follows its answer: the people followed in a structure outside the
council's places are on the council's books through it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.cases import Case
from commission.models.reference import Organisation, Town
from commission.models.steps import StepRecord
from commission.models.types import str_enum
from commission.search import search_column, trigram_index


class Need(enum.Enum):
    """What a person seeks there: the printed guide's chapters, in this order."""

    CARE = "care"
    SOCIAL = "social"
    HOUSING = "housing"
    PEER = "peer"  # peer help, users' and families' associations
    PREVENTION = "prevention"


class StructureKind(enum.Enum):
    CMP = "cmp"  # centre médico-psychologique, the sector's consultation
    HOSPITAL_SECTOR = "hospital_sector"  # the hospital's sector: day hospital, CATTP, mobile team
    CCAS = "ccas"  # centre communal d'action sociale
    DISTRICT_SOCIAL_SERVICE = "district_social_service"  # service social départemental (UTPAS)
    SOCIAL_CENTRE = "social_centre"  # centre social
    LANDLORD = "landlord"
    HOSTEL = "hostel"  # foyer, résidence sociale
    RESIDENCE = "residence"  # résidence accueil, pension de famille
    RETIREMENT_HOME = "retirement_home"  # EHPAD, résidence autonomie
    MUTUAL_HELP_GROUP = "mutual_help_group"  # groupe d'entraide mutuelle (GEM)
    USERS_ASSOCIATION = "users_association"
    FAMILIES_ASSOCIATION = "families_association"
    PREVENTION = "prevention"  # prevention and addiction services, maison des adolescents, point écoute


# Each kind's chapter of the guide.
NEED_OF_KIND: dict[StructureKind, Need] = {
    StructureKind.CMP: Need.CARE,
    StructureKind.HOSPITAL_SECTOR: Need.CARE,
    StructureKind.CCAS: Need.SOCIAL,
    StructureKind.DISTRICT_SOCIAL_SERVICE: Need.SOCIAL,
    StructureKind.SOCIAL_CENTRE: Need.SOCIAL,
    StructureKind.LANDLORD: Need.HOUSING,
    StructureKind.HOSTEL: Need.HOUSING,
    StructureKind.RESIDENCE: Need.HOUSING,
    StructureKind.RETIREMENT_HOME: Need.HOUSING,
    StructureKind.MUTUAL_HELP_GROUP: Need.PEER,
    StructureKind.USERS_ASSOCIATION: Need.PEER,
    StructureKind.FAMILIES_ASSOCIATION: Need.PEER,
    StructureKind.PREVENTION: Need.PREVENTION,
}


class Structure(Base):
    """A structure of the territory, as the directory and its guide show it."""

    __tablename__ = "structure"
    __table_args__ = (UniqueConstraint("name", "town_id", name="uq_structure_name_town"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), doc="Its name, as the public knows it.")
    kind: Mapped[StructureKind] = mapped_column(str_enum(StructureKind, "structure_kind"), index=True,
                                                doc="What it is; its chapter of the guide follows from it.")
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"), index=True,
                                                doc="The member town it is in; empty for one outside the six.")
    address: Mapped[str] = mapped_column(String(300), default="", doc="Street, postcode and town.")
    phone: Mapped[str] = mapped_column(String(40), default="", doc="The public's telephone number.")
    email: Mapped[str] = mapped_column(String(200), default="", doc="The public's e-mail address.")
    website: Mapped[str] = mapped_column(String(300), default="", doc="Its website, if any.")
    opening_hours: Mapped[str] = mapped_column(Text, default="", doc="When it is open, as it says it.")
    offer: Mapped[str] = mapped_column(Text, default="", doc="What it offers.")
    audience: Mapped[str] = mapped_column(Text, default="", doc="To whom: who may go there, on what terms.")
    contact_name: Mapped[str] = mapped_column(String(200), default="",
                                              doc="The professionals' contact there (name and position).")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"),
                                                        doc="The same body as one of the council's partners, if so.")
    active: Mapped[bool] = mapped_column(default=True, doc="False once closed: kept for the orientations made.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")
    search_text: Mapped[str] = search_column("structure")

    town: Mapped[Town | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def need(self) -> Need:
        return NEED_OF_KIND[self.kind]


trigram_index(Structure.__table__)


class Orientation(Base):
    """One person oriented, with their consent, towards one structure; its state is the orientation machine's."""

    __tablename__ = "orientation"
    __table_args__ = (
        CheckConstraint("answered_on IS NULL OR answered_on >= sent_on", name="answered_after_sent"),
        CheckConstraint("ended_on IS NULL OR ended_on >= sent_on", name="ended_after_sent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True, doc="The person's file.")
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"), index=True, doc="Where they are oriented.")
    reason: Mapped[str] = mapped_column(Text, doc="Why this structure (no more health detail than it needs).")
    request: Mapped[str] = mapped_column(Text, default="", doc="What is asked of the structure.")
    consent_on: Mapped[date] = mapped_column(doc="The day the person agreed to be oriented there.")
    sent_on: Mapped[date] = mapped_column(doc="The day the orientation was sent.")
    answered_on: Mapped[date | None] = mapped_column(doc="The day the structure accepted or declined.")
    ended_on: Mapped[date | None] = mapped_column(doc="The day the follow-up there ended.")
    state: Mapped[str] = mapped_column(String(32), index=True, doc="The orientation machine's state.")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), doc="Who oriented the person.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")

    structure: Mapped[Structure] = relationship()
    case: Mapped[Case] = relationship()

    __mapper_args__ = {"version_id_col": version}


class OrientationTransition(StepRecord, Base):
    """One step of an orientation: sent, accepted or declined by the structure, ended."""

    __tablename__ = "orientation_transition"
    __table_args__ = (
        UniqueConstraint("orientation_id", "orientation_version", name="uq_orientation_transition_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    orientation_id: Mapped[int] = mapped_column(ForeignKey("orientation.id"), index=True)
    orientation_version: Mapped[int] = mapped_column(doc="The orientation's version the step produced.")
    on: Mapped[date] = mapped_column(doc="The day it happened (today or before).")
