"""Building case files as a care team would: through the services."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from commission.models import Case, User
from commission.services import cases
from tests.conftest import World

TODAY = date(2026, 3, 2)


def complete_input(world: World, **overrides: object) -> cases.CaseInput:
    data = cases.CaseInput(
        first_name="Camille", last_name="Martin", birth_date="1980-05-17", phone="06 12 34 56 78",
        address="CHS, pavillon 3, Lesquin", protection_measure="curatorship",
        guardian_first_name="Paul", guardian_last_name="Durand",
        housing_situation="hospitalised", housing_details="Hospitalised for eight months; ready to leave.",
        monthly_resources="971,37", resources_details="AAH", referring_psychiatrist="Dr Lemaire",
        referring_nurse="M. Petit", social_worker="Mme Roux", requested_kind="apartment",
        wished_town_ids=[str(world.towns["Ronchin"].id)], needs_ground_floor=True,
        project="Live alone with weekly nurse visits and the day hospital twice a week.",
        consent_given=True, consent_date="2026-02-20",
    )
    for name, value in overrides.items():
        setattr(data, name, value)
    return data


def new_case(session: Session, world: World, actor: str = "care_a", **overrides: object) -> Case:
    return cases.create_case(session, world.users[actor], complete_input(world, **overrides), today=TODAY)


def step(session: Session, actor: User, case: Case, trigger: str, **kwargs: object) -> Case:
    kwargs.setdefault("today", TODAY)
    return cases.fire_case(session, actor, case.id, trigger, expected_version=case.version, **kwargs)  # type: ignore[arg-type]
