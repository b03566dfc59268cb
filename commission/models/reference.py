"""The council's world: the six towns, the organisations it works with, and the care teams."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.types import str_enum
from commission.search import search_column, trigram_index


class Town(Base):
    """A member town of the council; its population sets its yearly contribution."""

    __tablename__ = "town"
    __table_args__ = (CheckConstraint("population >= 0", name="population_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, doc="Official name of the town.")
    postcode: Mapped[str] = mapped_column(String(10), doc="Postal code used on letters.")
    population: Mapped[int] = mapped_column(doc="Inhabitants, as set for the contribution.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrganisationKind(enum.Enum):
    LANDLORD = "landlord"
    HOSPITAL = "hospital"
    USER_ASSOCIATION = "user_association"
    FAMILY_ASSOCIATION = "family_association"
    HOSTEL = "hostel"
    RESIDENCE = "residence"
    RECEPTION_STRUCTURE = "reception_structure"
    GUARDIANSHIP_SERVICE = "guardianship_service"


class Organisation(Base):
    """A partner: social landlord, the hospital, an association, a hostel or residence."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, "organisation_kind"))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"), doc="Where it is based, if a member town.")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True, doc="False once the partnership has ended.")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    search_text: Mapped[str] = search_column("organisation")

    town: Mapped[Town | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


trigram_index(Organisation.__table__)


class CareTeam(Base):
    """A care and socio-educational team of the psychiatric sector; it files applications."""

    __tablename__ = "care_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), doc="Usually the hospital.")
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"), doc="Town of the team's premises.")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    town: Mapped[Town | None] = relationship()
