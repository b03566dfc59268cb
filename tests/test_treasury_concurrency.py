"""Two people record the same money at once: it is recorded once, the other is told."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission.errors import CommissionError
from commission.models import Deposit, LedgerEntry, User
from commission.services import accounts, hearings, integrity, treasury
from tests.conftest import World, fresh
from tests.hearings_helpers import HEARING_DAY, sitting
from tests.test_case_concurrency import race


def committed_deposit(session: Session, world: World) -> Deposit:
    accounts.grant_signing_delegation(session, world.users["coordinator"], world.users["member"].id)
    s = sitting(session, world, ["Ada"])
    hearings.decide_item(session, world.users["chair"], s.hearing.id, s.hearing.items[0].id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Fits"), today=HEARING_DAY)
    deposit = session.execute(select(Deposit)).scalar_one()
    treasury.fire_deposit(session, world.users["member"], deposit.id, "commit", expected_version=None,
                          today=HEARING_DAY)
    return deposit


def pay(user_id: int, deposit_id: int, version: int | None) -> Callable[[Session], object]:
    def act(own: Session) -> object:
        user = own.get(User, user_id)
        assert user is not None
        return treasury.fire_deposit(own, user, deposit_id, "pay", expected_version=version, today=HEARING_DAY,
                                     movement=treasury.Movement(value_date=HEARING_DAY.isoformat()))

    return act


def test_a_deposit_is_never_paid_twice(engine: Engine, session: Session, world: World) -> None:
    deposit = committed_deposit(session, world)
    treasurer = world.users["treasurer"].id
    for version in (deposit.version, None):  # the same page sent twice, and two fresh pages
        results = race(engine, [pay(treasurer, deposit.id, version), pay(treasurer, deposit.id, version)])
        fresh(session)
        paid = session.execute(select(func.count(LedgerEntry.id)).where(LedgerEntry.deposit_id == deposit.id)
                               ).scalar_one()
        assert paid == 1, results
        assert sum(isinstance(result, CommissionError) for result in results) >= 1, results
    assert integrity.check_all(session)[1] == []
