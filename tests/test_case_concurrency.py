"""Two people act on the same file at the same moment: one wins, the other is told, nothing is half-written."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission.db import make_session_factory
from commission.errors import ConcurrentChange, TransitionRefused
from commission.models import Case, CaseTransition, User
from commission.services import audit, cases
from tests.cases_helpers import TODAY, new_case
from tests.conftest import World, fresh


def race(engine: Engine, actions: list[Callable[[Session], object]]) -> list[object]:
    """Run each action in its own thread and session, released at the same instant."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)
    factory = make_session_factory(engine)

    def run(index: int) -> None:
        with factory() as session:
            barrier.wait(timeout=10)
            try:
                results[index] = actions[index](session)
            except Exception as error:  # the outcome is what the test inspects
                results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def submit(user_id: int, case_id: int, version: int | None) -> Callable[[Session], object]:
    def act(own: Session) -> object:
        user = own.get(User, user_id)
        assert user is not None
        return cases.fire_case(own, user, case_id, "submit", expected_version=version, today=TODAY)

    return act


@pytest.mark.parametrize("with_version", [True, False])
def test_two_people_submit_the_same_file_at_once(
    engine: Engine, session: Session, world: World, with_version: bool
) -> None:
    for _round in range(5):
        case = new_case(session, world)
        version = case.version if with_version else None
        care, coordinator = world.users["care_a"], world.users["coordinator"]

        results = race(engine, [submit(care.id, case.id, version), submit(coordinator.id, case.id, version)])
        winners = [result for result in results if isinstance(result, Case)]
        losers = [result for result in results if not isinstance(result, Case)]
        assert len(winners) == 1, results
        assert len(losers) == 1 and isinstance(losers[0], ConcurrentChange | TransitionRefused), results
        fresh(session)
        transitions = session.execute(
            select(func.count(CaseTransition.id)).where(CaseTransition.case_id == case.id,
                                                        CaseTransition.trigger == "submit")
        ).scalar_one()
        assert transitions == 1
        state = session.execute(select(Case.state).where(Case.id == case.id)).scalar_one()
        assert state == "submitted", (state, results)
    assert audit.verify(session).ok


def test_two_decisions_on_one_place_only_one_allocation(engine: Engine, session: Session, world: World) -> None:
    """Two files heard at once both get the same place: the place goes to one of them only."""
    coordinator = world.users["coordinator"]
    heard = []
    for name in ("Ada", "Bea"):
        case = new_case(session, world, first_name=name)
        for actor, trigger, values in ((world.users["care_a"], "submit", {}), (coordinator, "mark_ready", {}),
                                       (coordinator, "schedule", {"hearing_date": TODAY}), (coordinator, "hear", {})):
            cases.fire_case(session, actor, case.id, trigger, expected_version=case.version, values=values,
                            today=TODAY)
        heard.append(case)

    def allocate(case: Case) -> Callable[[Session], object]:
        def act(own: Session) -> object:
            user = own.get(type(coordinator), coordinator.id)
            assert user is not None
            return cases.fire_case(own, user, case.id, "allocate", expected_version=case.version,
                                   values={"place_id": world.place_a.id}, today=TODAY)
        return act

    results = race(engine, [allocate(heard[0]), allocate(heard[1])])
    fresh(session)
    holders = session.execute(
        select(func.count(Case.id)).where(Case.allocated_place_id == world.place_a.id)
    ).scalar_one()
    assert holders == 1, results
    assert sum(isinstance(result, Case) for result in results) == 1
