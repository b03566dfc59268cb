"""The partners that provide places: social landlords, hostels, residences and reception structures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from commission import policy
from commission.errors import ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import N_, Message, msg
from commission.models.accounts import User
from commission.models.housing import Place
from commission.models.reference import Organisation, OrganisationKind, Town
from commission.models.tenancy import Agreement
from commission.services import audit
from commission.services.sorting import Sort, ordered
from commission.services.stock.fields import (
    Errors,
    _add,
    _choice,
    _email,
    _row,
    _text,
)
from commission.services.unit import FRESH_LOCK, flush
from commission.workflow.engine import MachineSpec, StateSpec
from commission.workflow.tags import Tone

# The partners that provide places: social landlords, hostels, residences and reception structures.
STOCK_PARTNER_KINDS = (OrganisationKind.LANDLORD, OrganisationKind.HOSTEL, OrganisationKind.RESIDENCE,
                       OrganisationKind.RECEPTION_STRUCTURE)


def _partner_errors(organisation: Organisation | None, *, kept: bool) -> Message | None:
    if organisation is None:
        return msg("Choose the landlord or structure.")
    if organisation.kind not in STOCK_PARTNER_KINDS:
        return msg("Choose a social landlord, a hostel, a residence or a reception structure.")
    if not organisation.active and not kept:
        return msg("This partner is no longer active.")
    return None


# ---------------------------------------------------------------- partners: landlords and structures


@dataclass
class PartnerInput:
    name: str = ""
    kind: str = OrganisationKind.LANDLORD.value
    town_id: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""

    @classmethod
    def of(cls, organisation: Organisation) -> PartnerInput:
        return cls(name=organisation.name, kind=organisation.kind.value,
                   town_id=str(organisation.town_id) if organisation.town_id else "", address=organisation.address,
                   phone=organisation.phone, email=organisation.email)


# Whether a partner is active, as the lists' badges draw it. Not a machine (the coordinator deactivates a
# partner from its row), only the words and the tone of its two statuses.
PARTNER_STATUSES = MachineSpec(
    name="partner",
    initial="active",
    states=(
        StateSpec("active", N_("Active"), N_("It may provide places and sign agreements."), tone=Tone.ACTIVE),
        StateSpec("inactive", N_("Inactive"), N_("The partnership has ended."), tone=Tone.ENDED),
    ),
    transitions=(),
)


@dataclass(frozen=True)
class PartnerRow:
    organisation: Organisation
    places: int  # in the stock (not withdrawn)
    agreements: int  # in force

    @property
    def status(self) -> str:
        """Its status in :data:`PARTNER_STATUSES`."""
        return "active" if self.organisation.active else "inactive"


@dataclass(frozen=True)
class PartnerFilter:
    kind: OrganisationKind | None = None
    status: str | None = None  # a status of PARTNER_STATUSES; None for all


_PLACES = (select(func.count()).where(Place.organisation_id == Organisation.id, Place.active)
           .correlate(Organisation).scalar_subquery())
_AGREEMENTS = (select(func.count()).where(Agreement.organisation_id == Organisation.id, Agreement.ended_at.is_(None))
               .correlate(Organisation).scalar_subquery())

# The keys the list of partners may be sorted by (the status: the active ones first).
PARTNER_SORTS = {
    "name": (Organisation.name,),
    "kind": (Organisation.kind,),
    "town": (Town.name,),
    "places": (_PLACES,),
    "agreements": (_AGREEMENTS,),
    "status": (case((Organisation.active.is_(True), 0), else_=1),),
}


def list_partners(session: Session, actor: User, partner_filter: PartnerFilter | None = None, *,
                  sort: Sort | None = None) -> list[PartnerRow]:
    """Landlords and structures, active first unless sorted, with their places and agreements in force (one
    query)."""
    policy.require(actor, policy.Action.MANAGE_STOCK)
    partner_filter = partner_filter or PartnerFilter()
    query = (select(Organisation, _PLACES, _AGREEMENTS).outerjoin(Town, Town.id == Organisation.town_id)
             .options(contains_eager(Organisation.town)).where(Organisation.kind.in_(STOCK_PARTNER_KINDS)))
    if partner_filter.kind is not None:
        query = query.where(Organisation.kind == partner_filter.kind)
    if partner_filter.status is not None:
        query = query.where(Organisation.active.is_(partner_filter.status == "active"))
    query = ordered(query, PARTNER_SORTS, sort or Sort(), default=(
        Organisation.active.desc(), Organisation.kind, Organisation.name), tiebreak=Organisation.id)
    return [PartnerRow(partner, places, agreements) for partner, places, agreements in session.execute(query).all()]


def stock_partners(session: Session, *, include: int | None = None) -> list[Organisation]:
    """The active landlords and structures, to fill choice lists (with `include` even if inactive)."""
    condition: ColumnElement[bool] = Organisation.active.is_(True)
    if include is not None:
        condition = or_(condition, Organisation.id == include)
    return list(session.execute(
        select(Organisation).where(Organisation.kind.in_(STOCK_PARTNER_KINDS), condition)
        .order_by(Organisation.name)
    ).scalars())


def get_partner(session: Session, actor: User, organisation_id: int) -> Organisation:
    policy.require(actor, policy.Action.MANAGE_STOCK)
    organisation = session.execute(
        select(Organisation).where(Organisation.id == organisation_id, Organisation.kind.in_(STOCK_PARTNER_KINDS))
    ).scalar_one_or_none()
    if organisation is None:
        raise NotFound()
    return organisation


def parse_partner(session: Session, data: PartnerInput, current: Organisation | None) -> dict[str, Any]:
    errors: Errors = {}
    name = _text(errors, "name", data.name, 200, msg("Give the partner's name."))
    if name and "name" not in errors:
        clash = select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
        if current is not None:
            clash = clash.where(Organisation.id != current.id)
        if session.execute(clash.limit(1)).first() is not None:
            _add(errors, "name", msg("Another organisation already has this name."))
    kind = _choice(OrganisationKind, data.kind)
    if kind is None or kind not in STOCK_PARTNER_KINDS:
        _add(errors, "kind", msg("Choose a social landlord, a hostel, a residence or a reception structure."))
    elif current is not None and current.kind is OrganisationKind.LANDLORD and kind is not OrganisationKind.LANDLORD:
        bound = session.execute(
            select(User.id).where(User.organisation_id == current.id, policy.landlord_representatives_clause()).limit(1)
        ).first()
        if bound is not None:
            _add(errors, "kind", msg("Accounts of landlord representatives are bound to it: it stays a landlord."))
    town = None
    if (data.town_id or "").strip():
        town = _row(session, Town, data.town_id)
        if town is None:
            _add(errors, "town_id", msg("Choose the town."))
    address = _text(errors, "address", data.address, 300)
    phone = _text(errors, "phone", data.phone, 40)
    email = _email(errors, "email", data.email)
    if errors:
        raise InvalidInput(errors)
    return {"name": name, "kind": kind, "town_id": town.id if town else None, "address": address,
            "phone": phone, "email": email}


def _partner_details(organisation: Organisation) -> dict[str, object]:
    return {"name": organisation.name, "kind": organisation.kind.value, "town_id": organisation.town_id,
            "address": organisation.address, "phone": organisation.phone, "email": organisation.email}


def create_partner(session: Session, actor: User, data: PartnerInput) -> Organisation:
    policy.require(actor, policy.Action.MANAGE_STOCK)
    organisation = Organisation(**parse_partner(session, data, None), active=True)
    session.add(organisation)
    flush(session)
    audit.record(session, actor, "organisation.created", "organisation", organisation.id,
                 _partner_details(organisation))
    flush(session)
    return organisation


def _lock_partner(session: Session, actor: User, organisation_id: int) -> Organisation:
    policy.require(actor, policy.Action.MANAGE_STOCK)
    organisation = session.execute(
        select(Organisation).where(Organisation.id == organisation_id, Organisation.kind.in_(STOCK_PARTNER_KINDS))
        .with_for_update().execution_options(**FRESH_LOCK)
    ).scalar_one_or_none()
    if organisation is None:
        raise NotFound()
    return organisation


def update_partner(session: Session, actor: User, organisation_id: int, data: PartnerInput,
                   expected_version: int | None = None) -> Organisation:
    organisation = _lock_partner(session, actor, organisation_id)
    if expected_version is not None and organisation.version != expected_version:
        raise ConcurrentChange()
    before = _partner_details(organisation)
    for name, value in parse_partner(session, data, organisation).items():
        setattr(organisation, name, value)
    after = _partner_details(organisation)
    changed = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if changed:
        audit.record(session, actor, "organisation.updated", "organisation", organisation.id,
                     {"changed": changed})
    flush(session)
    return organisation


def set_partner_active(session: Session, actor: User, organisation_id: int, active: bool) -> Organisation:
    """Deactivate a partner once it has no place in the stock and no agreement in force; or reactivate it."""
    organisation = _lock_partner(session, actor, organisation_id)
    if organisation.active == active:
        return organisation
    if not active:
        places = session.execute(
            select(func.count()).select_from(Place).where(Place.organisation_id == organisation.id, Place.active)
        ).scalar_one()
        if places:
            raise TransitionRefused(msg("This partner still has %(count)s places in the stock: withdraw them "
                                        "or end its agreements first.", count=places))
        agreements = session.execute(
            select(func.count()).select_from(Agreement)
            .where(Agreement.organisation_id == organisation.id, Agreement.ended_at.is_(None))
        ).scalar_one()
        if agreements:
            raise TransitionRefused(msg("This partner still has %(count)s agreements in force: end them first.",
                                        count=agreements))
    organisation.active = active
    audit.record(session, actor, "organisation.activated" if active else "organisation.deactivated",
                 "organisation", organisation.id, {"name": organisation.name})
    flush(session)
    return organisation
