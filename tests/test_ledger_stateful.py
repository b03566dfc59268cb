"""Random sequences of treasury operations, valid or not, by random roles: the ledger always balances,
every deposit's state matches its entries, and a refused operation changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from commission.errors import CommissionError
from commission.models import Deposit, LedgerEntry, Place, PlaceKind
from commission.services import accounts, integrity, treasury
from tests.cases_helpers import new_case
from tests.conftest import WorldCopy
from tests.databases import Databases

DAY = date(2026, 3, 2)
ROLES = ["treasurer", "coordinator", "member", "care_a", "landlord_a"]
AMOUNTS = st.sampled_from(["10,00", "350", "0", "-5", "abc", "1e3", "99999999999", "12,345", "250,50"])
DAYS = st.integers(min_value=-40, max_value=40).map(lambda offset: (DAY + timedelta(days=offset)).isoformat())
DEPOSIT_TRIGGERS = ["commit", "pay", "claim_refund", "refund", "retain", "write_off", "cancel", "fly"]


def test_random_treasury_operations_keep_every_invariant(databases: Databases, tmp_path: Path) -> None:
    counter = iter(range(10_000))

    class Treasury(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # each example starts from its own copy of the small council, built once per run
            self.copy = WorldCopy(databases, tmp_path / f"ledger-{next(counter)}")
            self.session, self.world = self.copy.session, self.copy.world
            self.deposits: list[int] = []
            self.contributions: list[int] = []
            self.expenses: list[int] = []

        def teardown(self) -> None:
            self.copy.close()

        @initialize()
        def open_books(self) -> None:
            users = self.world.users
            accounts.grant_signing_delegation(self.session, users["coordinator"], users["member"].id)
            for number in range(3):
                place = Place(reference=f"T-{number}", kind=PlaceKind.APARTMENT,
                              town_id=self.world.towns["Ronchin"].id, address="1 rue", rooms=1,
                              organisation_id=self.world.landlord_a.id, rent_cents=1, charges_cents=1,
                              deposit_cents=30000 + number * 5000)
                self.session.add(place)
                self.session.flush()
                case = new_case(self.session, self.world, first_name=f"P{number}")
                deposit = treasury.request_deposit(self.session, None, case, place, DAY)
                assert deposit is not None
                self.session.commit()
                self.deposits.append(deposit.id)
            self.contributions = [row.id for row in treasury.contributions(self.session, users["treasurer"], 2026)]

        def snapshot(self) -> tuple[object, ...]:
            self.session.rollback()
            self.session.expire_all()
            states = tuple(self.session.execute(select(Deposit.state).order_by(Deposit.id)).scalars())
            count = self.session.execute(select(func.count(LedgerEntry.id))).scalar_one()
            return states, count, tuple(sorted(treasury.balances(self.session).items(), key=lambda kv: kv[0].value))

        def attempt(self, action: object) -> None:
            before = self.snapshot()
            try:
                action()  # type: ignore[operator]
            except CommissionError:
                assert self.snapshot() == before, "a refused operation changed something"

        @rule(index=st.integers(0, 2), trigger=st.sampled_from(DEPOSIT_TRIGGERS), role=st.sampled_from(ROLES),
              day=DAYS, refunded=AMOUNTS, reason=st.sampled_from(["", "Damage to the kitchen"]),
              method=st.sampled_from(["transfer", "cheque", "gold"]))
        def deposit_step(self, index: int, trigger: str, role: str, day: str, refunded: str, reason: str,
                         method: str) -> None:
            actor = self.world.users[role]
            deposit_id = self.deposits[index]

            def act() -> None:
                if trigger == "write_off":
                    treasury.approve_write_off(self.session, self.world.users["treasurer"], deposit_id)
                    treasury.approve_write_off(self.session, self.world.users["coordinator"], deposit_id)
                treasury.fire_deposit(self.session, actor, deposit_id, trigger, expected_version=None, today=DAY,
                                      movement=treasury.Movement(value_date=day, method=method, refunded=refunded,
                                                                 reason=reason))

            self.attempt(act)

        @rule(index=st.integers(0, 6), operation=st.sampled_from(["amount", "call", "receive"]), day=DAYS,
              amount=AMOUNTS, role=st.sampled_from(ROLES))
        def contribution_step(self, index: int, operation: str, day: str, amount: str, role: str) -> None:
            actor = self.world.users[role]
            if index >= len(self.contributions):
                return
            row = self.contributions[index]

            def act() -> None:
                if operation == "amount":
                    treasury.set_contribution_amount(self.session, actor, row, amount)
                elif operation == "call":
                    treasury.call_contribution(self.session, actor, row, day)
                else:
                    treasury.receive_contribution(self.session, actor, row, day, "transfer")

            self.attempt(act)

        @rule(amount=AMOUNTS, day=DAYS, role=st.sampled_from(ROLES), label=st.sampled_from(["Serrurier", "", "=1+1"]))
        def expense(self, amount: str, day: str, role: str, label: str) -> None:
            def act() -> None:
                entry = treasury.record_expense(self.session, self.world.users[role], amount=amount, value_date=day,
                                                label=label, method="transfer")
                self.expenses.append(entry.id)

            self.attempt(act)

        @rule(data=st.data(), role=st.sampled_from(ROLES))
        def correct(self, data: st.DataObject, role: str) -> None:
            if not self.expenses:
                return
            entry_id = data.draw(st.sampled_from(self.expenses))
            self.attempt(lambda: treasury.correct_entry(self.session, self.world.users[role], entry_id, "Typo",
                                                        value_date=DAY))

        @invariant()
        def books_balance(self) -> None:
            self.session.rollback()
            self.session.expire_all()
            assert integrity.check_all(self.session)[1] == []
            assert sum(treasury.balances(self.session).values()) == 0

    run_state_machine_as_test(
        Treasury,
        settings=settings(stateful_step_count=25),  # as many examples as the profile says (tests/conftest.py)
    )
