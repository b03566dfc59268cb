"""Every invariant of the data, checked at once: what `commission check` runs.

Each workflow's rows are in a state of their machine, and that state is where their last recorded
step led; places, occupancies and files agree; the ledger balances and matches the deposits, and each of
its entries its audit entry and its cause; every ended tenancy has its exit's record.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from commission.models.cases import Case, CaseTransition
from commission.models.hearings import Hearing, HearingTransition
from commission.models.housing import Place, PlaceTransition
from commission.models.treasury import Deposit, DepositTransition
from commission.services import followup, retention, tenancy, treasury
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.engine import MachineSpec
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.place import PLACE_MACHINE

# (machine, row model, transition model, the transition's foreign key, whether every row has a first record)
WORKFLOWS: tuple[tuple[MachineSpec, Any, Any, str, bool], ...] = (
    (CASE_MACHINE, Case, CaseTransition, "case_id", True),
    (HEARING_MACHINE, Hearing, HearingTransition, "hearing_id", True),
    (DEPOSIT_MACHINE, Deposit, DepositTransition, "deposit_id", True),
    (PLACE_MACHINE, Place, PlaceTransition, "place_id", False),  # a new place starts available, unrecorded
)


def _workflow_problems(session: Session, spec: MachineSpec, model: Any, transition: Any, key: str,
                       recorded: bool) -> list[str]:
    names = {state.name for state in spec.states}
    link = getattr(transition, key)
    last = (select(link.label("row_id"), func.max(transition.id).label("last_id")).group_by(link).subquery())
    rows = session.execute(
        select(model.id, model.state, transition.to_state)
        .outerjoin(last, last.c.row_id == model.id)
        .outerjoin(transition, transition.id == last.c.last_id)
    ).all()
    problems = []
    for row_id, state, last_state in rows:
        if state not in names:
            problems.append(f"{spec.name} {row_id} is in {state!r}, which is not a state of its machine")
        elif last_state is None and recorded:
            problems.append(f"{spec.name} {row_id} has no recorded step")
        elif last_state is not None and last_state != state:
            problems.append(f"{spec.name} {row_id} is {state} but its last recorded step led to {last_state}")
        elif last_state is None and state != spec.initial:
            problems.append(f"{spec.name} {row_id} is {state} without any recorded step")
    return problems


# What reading a damaged row raises (a date SQLite cannot parse, a value PostgreSQL cannot hand over).
_UNREADABLE = (ValueError, TypeError, LookupError, OverflowError, DataError)


def _guarded(session: Session, name: str, check: Callable[[Session], list[str]]) -> list[str]:
    """One group's problems; data it cannot even read is a problem of that group, not a traceback."""
    try:
        with session.begin_nested():  # PostgreSQL: a failed read must not end the other groups' transaction
            return check(session)
    except _UNREADABLE as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        return [f"the {name} checks cannot read the data: {reason[0] if reason else type(error).__name__}"]


def check_all(session: Session) -> tuple[int, list[str]]:
    """How many checks ran, and every problem found (in words).

    The ledger's entries are reconciled with the audit trail's records of them; that those records are
    authentic is the trail's chain's to prove (`commission audit verify`)."""
    problems: list[str] = []
    for spec, model, transition, key, recorded in WORKFLOWS:
        problems += _guarded(session, spec.name, partial(_workflow_problems, spec=spec, model=model,
                                                         transition=transition, key=key, recorded=recorded))
    problems += _guarded(session, "places and occupancies", tenancy.check)
    problems += _guarded(session, "ledger", treasury.check)
    problems += _guarded(session, "follow-up", followup.check)
    problems += _guarded(session, "retention", retention.check)
    return len(WORKFLOWS) + 4, problems
