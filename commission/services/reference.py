"""The council's reference data: towns, partner organisations, care teams, and the stock of places."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from commission import policy
from commission.errors import NotFound
from commission.models.accounts import User
from commission.models.housing import Place, PlaceKind
from commission.models.reference import CareTeam, Organisation, OrganisationKind, Town
from commission.services.paging import PER_PAGE, Page, paginate
from commission.services.sorting import Sort, in_machine_order, ordered
from commission.workflow.place import PLACE_MACHINE


@dataclass(frozen=True)
class ReferenceData:
    towns: list[Town]
    organisations: list[Organisation]
    care_teams: list[CareTeam]


def reference_data(session: Session, actor: User) -> ReferenceData:
    policy.require(actor, policy.Action.VIEW_REFERENCE)
    return ReferenceData(
        towns=list(session.execute(select(Town).order_by(Town.name)).scalars()),
        organisations=list(
            session.execute(
                select(Organisation).options(joinedload(Organisation.town))
                .order_by(Organisation.kind, Organisation.name)
            ).scalars()
        ),
        care_teams=list(
            session.execute(
                select(CareTeam).options(joinedload(CareTeam.town), joinedload(CareTeam.organisation))
                .order_by(CareTeam.name)
            ).scalars()
        ),
    )


def towns(session: Session) -> list[Town]:
    """The towns, to fill choice lists."""
    return list(session.execute(select(Town).order_by(Town.name)).scalars())


def care_teams(session: Session) -> list[CareTeam]:
    """The care teams, to fill choice lists."""
    return list(session.execute(select(CareTeam).order_by(CareTeam.name)).scalars())


def landlords(session: Session) -> list[Organisation]:
    """The social landlords, to fill choice lists."""
    return list(
        session.execute(
            select(Organisation).where(Organisation.kind == OrganisationKind.LANDLORD).order_by(Organisation.name)
        ).scalars()
    )


def choices(session: Session) -> tuple[list[Town], list[CareTeam], list[Organisation]]:
    """Towns, care teams and landlords, to fill the choice lists of forms."""
    return towns(session), care_teams(session), landlords(session)


@dataclass(frozen=True)
class PlaceFilter:
    kind: PlaceKind | None = None
    town_id: int | None = None


@dataclass(frozen=True)
class PlaceSummary:
    kind: PlaceKind
    count: int


# The keys the list of places may be sorted by.
PLACE_SORTS = {
    "reference": (Place.reference,),
    "kind": (Place.kind,),
    "town": (Town.name,),
    "landlord": (Organisation.name,),
    "state": (in_machine_order(Place.state, PLACE_MACHINE.states),),
    "rooms": (Place.rooms,),
    "rent": (Place.rent_cents,),
    "charges": (Place.charges_cents,),
    "deposit": (Place.deposit_cents,),
}


def list_places(
    session: Session, actor: User, place_filter: PlaceFilter | None = None, *, page: int = 1,
    per_page: int = PER_PAGE, sort: Sort | None = None,
) -> Page[Place]:
    policy.require(actor, policy.Action.VIEW_PLACES)
    place_filter = place_filter or PlaceFilter()
    query = (
        select(Place)
        .join(Town, Town.id == Place.town_id).join(Organisation, Organisation.id == Place.organisation_id)
        .where(policy.place_scope(actor))
        .options(joinedload(Place.town), joinedload(Place.organisation))
    )
    query = ordered(query, PLACE_SORTS, sort or Sort(), default=(Place.kind, Place.reference), tiebreak=Place.id)
    if place_filter.kind is not None:
        query = query.where(Place.kind == place_filter.kind)
    if place_filter.town_id is not None:
        query = query.where(Place.town_id == place_filter.town_id)
    return paginate(session, query, page, per_page)


def place_counts(session: Session, actor: User) -> list[PlaceSummary]:
    policy.require(actor, policy.Action.VIEW_PLACES)
    rows = session.execute(
        select(Place.kind, func.count()).where(policy.place_scope(actor), Place.active)
        .group_by(Place.kind).order_by(Place.kind)
    )
    return [PlaceSummary(kind, count) for kind, count in rows]


def get_place(session: Session, actor: User, place_id: int) -> Place:
    policy.require(actor, policy.Action.VIEW_PLACES)
    place = session.execute(
        select(Place).where(Place.id == place_id)
        .options(joinedload(Place.town), joinedload(Place.organisation))
    ).scalar_one_or_none()
    if place is None:
        raise NotFound()
    policy.require(actor, policy.Action.VIEW_PLACES, place)
    return place
