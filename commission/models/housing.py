"""The stock of places the council holds."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.reference import Organisation, Town
from commission.models.steps import StepRecord
from commission.models.types import str_enum
from commission.search import search_column, trigram_index


class PlaceKind(enum.Enum):
    APARTMENT = "apartment"
    HOSTEL_PLACE = "hostel_place"
    TRANSITIONAL_PLACE = "transitional_place"
    RESIDENCE_PLACE = "residence_place"


class Place(Base):
    """One place: an apartment in social housing, or a place in a hostel, structure or residence."""

    __tablename__ = "place"
    __table_args__ = (
        CheckConstraint("rooms >= 0", name="rooms_not_negative"),
        CheckConstraint("surface_m2 IS NULL OR surface_m2 > 0", name="surface_positive"),
        CheckConstraint("rent_cents >= 0", name="rent_not_negative"),
        CheckConstraint("charges_cents >= 0", name="charges_not_negative"),
        CheckConstraint("deposit_cents >= 0", name="deposit_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True, doc="The council's own short reference.")
    kind: Mapped[PlaceKind] = mapped_column(str_enum(PlaceKind, "place_kind"))
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"))
    address: Mapped[str] = mapped_column(String(300))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), doc="The landlord, or the hostel, structure or residence."
    )
    rooms: Mapped[int] = mapped_column(doc="Number of main rooms (0 for a room in a shared structure).")
    surface_m2: Mapped[int | None] = mapped_column(doc="Living area in square metres.")
    floor: Mapped[int] = mapped_column(default=0, doc="0 is the ground floor.")
    accessible: Mapped[bool] = mapped_column(default=False, doc="Suitable for reduced mobility.")
    rent_cents: Mapped[int] = mapped_column(doc="Monthly rent, in euro cents.")
    charges_cents: Mapped[int] = mapped_column(doc="Monthly charges, in euro cents.")
    deposit_cents: Mapped[int] = mapped_column(doc="Deposit the council pays the landlord, in euro cents.")
    active: Mapped[bool] = mapped_column(default=True, doc="False once withdrawn from the stock.")
    state: Mapped[str] = mapped_column(String(32), default="available", index=True, doc="The place machine's state.")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"), doc="The convention covering it.")
    vacant_since: Mapped[date | None] = mapped_column(doc="When it last became available: vacancy durations.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    search_text: Mapped[str] = search_column("place")

    town: Mapped[Town] = relationship()
    organisation: Mapped[Organisation] = relationship()

    __mapper_args__ = {"version_id_col": version}


trigram_index(Place.__table__)


class PlaceTransition(StepRecord, Base):
    """One step of a place's life: offered, occupied, vacated, available again, withdrawn."""

    __tablename__ = "place_transition"
    __table_args__ = (UniqueConstraint("place_id", "place_version", name="uq_place_transition_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id"), index=True)
    place_version: Mapped[int]
