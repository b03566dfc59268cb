"""Housed people, built as the commission houses them: a hearing allocates, the person accepts, the
delegation holder commits the deposit, the treasurer pays it, the person moves in."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.models import Case, Deposit, Place
from commission.services import accounts, hearings, treasury
from tests.cases_helpers import step
from tests.conftest import World
from tests.hearings_helpers import HEARING_DAY, sitting

MOVE_IN = HEARING_DAY + timedelta(days=30)


def housed(session: Session, world: World, names: list[str], *, places: list[Place] | None = None,
           move_in: date = MOVE_IN, pay_deposit: bool = True) -> list[Case]:
    """One hearing allocates each named person a place (place_a, place_b... in order); each moves in."""
    coordinator, chair = world.users["coordinator"], world.users["chair"]
    places = places or [world.place_a, world.place_b][:len(names)]
    if pay_deposit and not any(user.signing_delegation for user in world.users.values()):
        accounts.grant_signing_delegation(session, coordinator, world.users["member"].id)
    s = sitting(session, world, names)
    for item, place in zip(s.hearing.items, places, strict=True):
        hearings.decide_item(session, chair, s.hearing.id, item.id, hearings.DecisionInput(
            decision="allocate", place_id=str(place.id), reason="Fits the project"), today=HEARING_DAY)
    day = HEARING_DAY + timedelta(days=3)
    result = []
    for case in s.cases:
        case = session.get(Case, case.id) or case
        step(session, world.users["care_a"] if case.care_team_id == world.team_a.id else world.users["care_b"],
             case, "accept_offer", today=day)
        if pay_deposit:
            deposit = session.execute(select(Deposit).where(Deposit.case_id == case.id)).scalar_one()
            treasury.fire_deposit(session, world.users["member"], deposit.id, "commit", expected_version=None,
                                  today=day)
            treasury.fire_deposit(session, world.users["treasurer"], deposit.id, "pay", expected_version=None,
                                  today=day, movement=treasury.Movement(value_date=day.isoformat()))
        step(session, coordinator, case, "start_move_in", today=day,
             values={"move_in_date": move_in, "lease_kind": "sublease", "lease_start": move_in})
        step(session, coordinator, case, "confirm_housed", today=move_in)
        result.append(case)
    return result
