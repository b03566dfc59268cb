"""Volume: rows added in bulk, so that listings can be measured (query counts, benchmarks) at scale."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from commission.models import Applicant, Case, Organisation, OrganisationKind, Place, PlaceKind
from commission.services import accounts, audit
from tests.conftest import World


def grow(session: Session, world: World, count: int, tag: str) -> None:
    """Add places, landlords, accounts and audit entries, so that every listing has `count` more rows."""
    landlords = [Organisation(name=f"Bailleur {tag}{n}", kind=OrganisationKind.LANDLORD)
                 for n in range(count // 10 + 1)]
    session.add_all(landlords)
    session.flush()
    session.add_all(
        Place(reference=f"{tag}-{n:05d}", kind=PlaceKind.APARTMENT, town_id=world.towns["Ronchin"].id,
              address=f"{n} rue", organisation_id=landlords[n % len(landlords)].id, rooms=1,
              rent_cents=1, charges_cents=1, deposit_cents=1)
        for n in range(count)
    )
    for n in range(count):
        session.add(_case(world, n, tag))
    for n in range(count // 10):
        session.add(accounts.User(login=f"{tag}{n}", display_name="G", password_hash="x", role=accounts.Role.LANDLORD,
                                  organisation_id=landlords[n % len(landlords)].id))
        audit.record(session, None, "test.event", "thing", n)
    session.commit()


def _case(world: World, n: int, tag: str) -> Case:
    """A file as a care team leaves it, written in bulk: a thousand through the services would be slow."""
    applicant = Applicant(first_name=f"P{tag}{n}", last_name="Volume", birth_date=date(1980, 1, 1),
                          care_team_id=world.team_a.id if n % 2 else world.team_b.id)
    case = Case(applicant=applicant, care_team_id=applicant.care_team_id, state="submitted",
                requested_kind=PlaceKind.APARTMENT, due_date=date(2026, 4, 1))
    case.wished_towns = [world.towns["Ronchin"]]
    return case
