"""Random sequences of triggers, by random roles, at random cases: the records always tell the truth.

After every step: each case's state equals the "to" of its last transition record, and the records
form an unbroken chain; a refused trigger changed nothing; no step outside the machine's table ever
succeeded.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from commission.errors import CommissionError
from commission.models import Case, CaseTransition
from commission.services import cases, followup, integrity
from commission.workflow.case import CASE_MACHINE
from tests.cases_helpers import TODAY, complete_input
from tests.conftest import WorldCopy
from tests.databases import Databases

ROLES = ["coordinator", "care_a", "care_b", "chair", "member", "treasurer", "landlord_a"]
TRIGGERS = [*sorted(CASE_MACHINE.triggers()), "to_housed", "delete", "submit "]
TABLE = {(source, t.dest, t.trigger) for t in CASE_MACHINE.transitions for source in t.sources}


def test_random_trigger_sequences_keep_the_records_true(databases: Databases, tmp_path: Path) -> None:
    counter = iter(range(10_000))
    totals: list[tuple[int, int]] = []

    class CaseMachineTest(RuleBasedStateMachine):
        files = Bundle("files")

        def __init__(self) -> None:
            super().__init__()
            # each example starts from its own copy of the small council, built once per run
            self.copy = WorldCopy(databases, tmp_path / f"stateful-{next(counter)}")
            self.session, self.world = self.copy.session, self.copy.world
            self.refusals = 0
            self.successes = 0

        def teardown(self) -> None:
            totals.append((self.successes, self.refusals))
            self.copy.close()

        @initialize(target=files)
        def first_case(self) -> int:
            return cases.create_case(self.session, self.world.users["care_a"], complete_input(self.world),
                                     today=TODAY).id

        @rule(target=files, team=st.sampled_from(["care_a", "care_b"]), consent=st.booleans())
        def create(self, team: str, consent: bool) -> int:
            data = complete_input(self.world, consent_given=consent)
            return cases.create_case(self.session, self.world.users[team], data, today=TODAY).id

        @rule(
            case_id=files, data=st.data(), role=st.sampled_from(ROLES),
            reason=st.sampled_from(["", "   ", "Because the commission said so", "Awaiting a report"]),
            days=st.integers(min_value=-5, max_value=40), place=st.sampled_from(["a", "a", "b", None]),
            stale=st.integers(min_value=0, max_value=5).map(lambda n: n == 0),
        )
        def fire(self, case_id: int, data: st.DataObject, role: str, reason: str, days: int, place: str | None,
                 stale: bool) -> None:
            session = self.session
            case = session.get(Case, case_id)
            assert case is not None
            # Half the time a well-formed step the machine allows from here, by someone allowed to take it
            # (else the walk never gets far); otherwise anything, by anyone, stale or not.
            possible = sorted(t.trigger for t in CASE_MACHINE.available(case.state))
            if possible and data.draw(st.booleans()):
                trigger = data.draw(st.sampled_from(possible))
                owner = "care_a" if case.care_team_id == self.world.team_a.id else "care_b"
                role = data.draw(st.sampled_from(["coordinator", owner]))
                stale, days = False, abs(days) + 1
                reason = reason.strip() or "Recorded by the test"
            else:
                trigger = data.draw(st.sampled_from(TRIGGERS))
            before = (case.state, case.version, self._history(case_id))
            values: dict[str, object] = {"hearing_date": TODAY + timedelta(days=days),
                                         "move_in_date": TODAY + timedelta(days=days)}
            if place is not None:
                values["place_id"] = (self.world.place_a if place == "a" else self.world.place_b).id
            try:
                cases.fire_case(
                    session, self.world.users[role], case_id, trigger,
                    expected_version=case.version - 1 if stale else case.version, reason=reason,
                    values=values, today=TODAY + timedelta(days=max(days, 0) // 2),
                )
            except CommissionError:
                session.rollback()
                case = session.get(Case, case_id)
                assert case is not None
                assert (case.state, case.version, self._history(case_id)) == before, "a refusal changed something"
                self.refusals += 1
            else:
                self.successes += 1
                assert (before[0], case.state, trigger) in TABLE

        @rule(
            case_id=files, role=st.sampled_from(ROLES), days=st.integers(min_value=-5, max_value=40),
            reason=st.sampled_from(["ordinary_housing", "death", "lease_taken_over", "other", "", "fired"]),
            condition=st.sampled_from(["good", "damaged", "ruined"]),
        )
        def exit(self, case_id: int, role: str, days: int, reason: str, condition: str) -> None:
            """The exit, which closes a tenancy and the file at once: only from housed or exiting."""
            session = self.session
            case = session.get(Case, case_id)
            assert case is not None
            before = (case.state, case.version, self._history(case_id))
            try:
                followup.record_exit(session, self.world.users[role], case_id, followup.ExitInput(
                    reason=reason, exit_date=(TODAY + timedelta(days=days)).isoformat(), place_condition=condition,
                    note="Moved to a retirement home"), today=TODAY + timedelta(days=40))
            except CommissionError:
                session.rollback()
                case = session.get(Case, case_id)
                assert case is not None
                assert (case.state, case.version, self._history(case_id)) == before, "a refusal changed something"
                self.refusals += 1
            else:
                self.successes += 1
                assert before[0] in ("housed", "exiting") and case.state == "closed"

        def _history(self, case_id: int) -> list[tuple[str | None, str, str]]:
            rows = self.session.execute(
                select(CaseTransition).where(CaseTransition.case_id == case_id).order_by(CaseTransition.id)
            ).scalars()
            return [(row.from_state, row.to_state, row.trigger) for row in rows]

        @invariant()
        def records_tell_the_truth(self) -> None:
            for case in self.session.execute(select(Case)).scalars():
                history = self._history(case.id)
                assert history[0] == (None, "draft", "create")
                assert history[-1][1] == case.state
                for previous, step in pairwise(history):
                    assert step[0] == previous[1], "a gap in the chain of steps"
                    assert step in TABLE, f"{step} is not in the machine's table"
            # the places and the deposits follow the files; every workflow's records tell the truth
            assert integrity.check_all(self.session)[1] == []

    run_state_machine_as_test(
        CaseMachineTest,
        settings=settings(stateful_step_count=30),  # as many examples as the profile says (tests/conftest.py)
    )
    # The random walks must really move files along, not only collect refusals.
    assert sum(successes for successes, _ in totals) > len(totals)


@pytest.mark.parametrize("trigger", sorted(CASE_MACHINE.triggers()))
def test_every_trigger_is_reachable_from_the_table(trigger: str) -> None:
    """The machine has no dead trigger: each one leaves at least one state."""
    assert any(t.trigger == trigger and t.sources for t in CASE_MACHINE.transitions)


def test_no_auto_transitions() -> None:
    assert not any(name.startswith("to_") for name in CASE_MACHINE.table.events)
