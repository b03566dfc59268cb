"""The demo's people: who they are, what they ask for; as a care team types them (for the services), or as
the rows of a file written in bulk (the files the commission held when the software was put in use)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from faker import Faker
from sqlalchemy.orm import Session

from commission.demo_bulk import insert_plain, insert_rows
from commission.demo_phrases import PROJECTS
from commission.models.cases import Case, HousingSituation, case_wished_town
from commission.models.housing import PlaceKind
from commission.models.people import Applicant, Guardian, ProtectionMeasure
from commission.models.reference import CareTeam, Town
from commission.services import cases

MEASURES = ["none", "safeguard", "curatorship", "reinforced_curatorship", "guardianship"]
MEASURE_WEIGHTS = [45, 5, 20, 20, 10]
# What people ask for, close to what the stock holds (47 apartments, 10 hostel places, 4 transitional places and
# 12 residence places): a kind nobody asks for would stay vacant.
KINDS = [kind.value for kind in PlaceKind]
KIND_WEIGHTS = [62, 14, 7, 17]
SITUATIONS = ["hospitalised", "with_family", "hostel", "homeless", "temporary"]
RESOURCES = ["AAH et APL", "Pension d'invalidité", "Salaire ESAT et AAH", "RSA"]


@dataclass(frozen=True)
class Person:
    """One person and their request, as drawn (same seed, same people)."""

    first_name: str
    last_name: str
    birth_date: date
    phone: str
    email: str
    address: str
    measure: str
    guardian: tuple[str, str, str, str] | None  # first name, last name, phone, postal address
    situation: str
    resources_cents: int
    resources_details: str
    psychiatrist: str
    nurse: str
    social_worker: str
    kind: str
    towns: tuple[Town, ...]
    ground_floor: bool
    accessible: bool
    project: str
    team: CareTeam

    def as_input(self) -> cases.CaseInput:
        """What the care team types in the application form."""
        guardian = self.guardian or ("", "", "", "")
        euros, cents = divmod(self.resources_cents, 100)
        return cases.CaseInput(
            first_name=self.first_name, last_name=self.last_name, birth_date=self.birth_date.isoformat(),
            phone=self.phone, email=self.email, address=self.address, protection_measure=self.measure,
            guardian_first_name=guardian[0], guardian_last_name=guardian[1], guardian_phone=guardian[2],
            guardian_address=guardian[3],
            housing_situation=self.situation, housing_details="", monthly_resources=f"{euros},{cents:02d}",
            resources_details=self.resources_details, referring_psychiatrist=self.psychiatrist,
            referring_nurse=self.nurse, social_worker=self.social_worker, requested_kind=self.kind,
            wished_town_ids=[str(town.id) for town in self.towns], needs_ground_floor=self.ground_floor,
            needs_accessible=self.accessible, project=self.project, consent_given=True, consent_date="",
            care_team_id=str(self.team.id),
        )

    def guardian_row(self) -> dict[str, Any] | None:
        if self.guardian is None:
            return None
        first, last, phone, address = self.guardian
        return {"first_name": first, "last_name": last, "phone": phone, "email": "", "address": address}

    def applicant_row(self, guardian_id: int | None) -> dict[str, Any]:
        return {"first_name": self.first_name, "last_name": self.last_name, "birth_date": self.birth_date,
                "phone": self.phone, "email": self.email, "address": self.address, "care_team_id": self.team.id,
                "protection_measure": ProtectionMeasure(self.measure), "guardian_id": guardian_id}

    def case_row(self, applicant_id: int) -> dict[str, Any]:
        """The application's part of the file (its state and steps are the caller's)."""
        return {"applicant_id": applicant_id, "care_team_id": self.team.id,
                "housing_situation": HousingSituation(self.situation), "housing_details": "",
                "monthly_resources_cents": self.resources_cents, "resources_details": self.resources_details,
                "referring_psychiatrist": self.psychiatrist, "referring_nurse": self.nurse,
                "social_worker": self.social_worker, "requested_kind": PlaceKind(self.kind),
                "needs_ground_floor": self.ground_floor, "needs_accessible": self.accessible, "needs_details": "",
                "project": self.project, "consent_given": True}


def _postal_address(rng: random.Random, fake: Faker, towns: list[Town]) -> str:
    town = rng.choice(towns)
    return f"{fake.street_address()}, {town.postcode} {town.name}"


def draw(rng: random.Random, fake: Faker, team: CareTeam, towns: list[Town], *, kind: str | None = None) -> Person:
    """A person of the sector asking for a place (of the kind given, else one drawn)."""
    measure = rng.choices(MEASURES, weights=MEASURE_WEIGHTS)[0]
    drawn_kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
    wished = tuple(rng.sample(towns, rng.randint(1, 3)))
    resources = rng.randint(650, 1450) * 100 + rng.randint(0, 99)
    return Person(
        first_name=fake.first_name(), last_name=fake.last_name(),
        birth_date=fake.date_of_birth(minimum_age=21, maximum_age=66), phone=fake.phone_number(),
        email=fake.email() if rng.random() < 0.4 else "",
        address=_postal_address(rng, fake, towns), measure=measure,
        guardian=(fake.first_name(), fake.last_name(), fake.phone_number(), _postal_address(rng, fake, towns))
        if measure != "none" else None,
        situation=rng.choice(SITUATIONS), resources_cents=resources, resources_details=rng.choice(RESOURCES),
        psychiatrist=f"Dr {fake.last_name()}", nurse=fake.name(), social_worker=fake.name(),
        kind=kind or drawn_kind, towns=wished, ground_floor=rng.random() < 0.15, accessible=rng.random() < 0.05,
        project=rng.choice(PROJECTS), team=team,
    )


def insert_files(session: Session, people: list[Person], rows: list[dict[str, Any]]) -> list[int]:
    """The people's files, in bulk: guardians, applicants, files (the rows give each file's state, version and
    what else it holds), wished towns. Their steps are the caller's."""
    guardians = [person.guardian_row() for person in people]
    guardian_ids = iter(insert_rows(session, Guardian, [row for row in guardians if row is not None]))
    applicant_ids = insert_rows(session, Applicant, [
        person.applicant_row(next(guardian_ids) if row is not None else None)
        for person, row in zip(people, guardians, strict=True)])
    case_ids = insert_rows(session, Case, [{**person.case_row(applicant_id), **more}
                                           for person, applicant_id, more in zip(people, applicant_ids, rows,
                                                                                 strict=True)])
    insert_plain(session, case_wished_town, [{"case_id": case_id, "town_id": town.id}
                                             for person, case_id in zip(people, case_ids, strict=True)
                                             for town in person.towns])
    return case_ids
