"""A record arriving from a spreadsheet in its current state: the machine's import step, and its known history.

Every record imported (a file, a place, a deposit) is first created by the service its form calls, in the
machine's first state; then :func:`arrive` takes the machine's import step (``import_<state>``,
:func:`commission.workflow.engine.fire_import`) from that first state to the state the spreadsheet gives. Like
every step, it writes the step's record (who, when, from, to, why) and its audit entry in the caller's
transaction. The step's record is dated with the day the record reached that state when the spreadsheet says it
(``at``), else with the moment of the import; the audit entry, chained, is always written at the moment of the
import and says the day given.

What is known of the history before (the application filed, the commission's decision, the move-in, the exit,
each dated) is written by :func:`recall` as step records of the machine's own steps, dated, before the import
step: the record's page lists them in their order. They change nothing on the record (the import step moves it):
each is a record of what happened on paper, recorded by whoever imports, and audited as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from commission import policy
from commission.models.accounts import User
from commission.models.cases import Case, CaseTransition
from commission.models.housing import Place, PlaceTransition
from commission.models.steps import StepRecord
from commission.models.treasury import Deposit, DepositTransition
from commission.services.steps import record_step
from commission.services.unit import flush
from commission.workflow import engine
from commission.workflow.machines import machine_for

# Each machine's step records: the model, the audit subject, the row's key and the version's column.
_RECORDS: dict[type, tuple[type[StepRecord], str, str, str]] = {
    Case: (CaseTransition, "case", "case_id", "case_version"),
    Place: (PlaceTransition, "place", "place_id", "place_version"),
    Deposit: (DepositTransition, "deposit", "deposit_id", "deposit_version"),
}


@dataclass(frozen=True)
class Known:
    """One step known from the paper history: the machine's trigger, from and to which state, on which day."""

    trigger: str
    source: str | None
    dest: str
    on: date


def moment(day: date | None) -> datetime | None:
    """A day known from a spreadsheet as the moment of a step: noon UTC, so that it reads the same day everywhere."""
    return None if day is None else datetime.combine(day, time(12, 0), tzinfo=UTC)


def _write(session: Session, actor: User, record: Any, trigger: str, source: str | None, dest: str, reason: str,
           at: datetime | None, extra: dict[str, Any]) -> StepRecord:
    model, subject, key, version = _RECORDS[type(record)]
    owner = {key: record.id, version: record.version}
    if model is CaseTransition:
        owner["comment"] = ""
    row = record_step(session, model, actor=actor, trigger=trigger, source=source, dest=dest, reason=reason,
                      subject=subject, subject_id=record.id, extra={"imported": True, **extra}, **owner)
    if at is not None:
        row.at = at
    return row


def _next_version(session: Session, record: Any) -> None:
    """A version of the row of its own for a step record that changes nothing on it (one record per version)."""
    model = type(record)
    flush(session)
    session.execute(update(model).where(model.id == record.id).values(version=model.version + 1)
                    .execution_options(synchronize_session=False))
    session.refresh(record, ["version"])


def recall(session: Session, actor: User, record: Any, history: list[Known], *, reason: str) -> None:
    """The steps known from the paper history, dated, as step records of the record's machine (before its import
    step). Each takes a version of the row of its own (one step record per version), without changing it."""
    policy.require(actor, policy.Action.IMPORT_DATA)
    spec = machine_for(record)
    for known in sorted(history, key=lambda item: item.on):
        if known.trigger not in spec.triggers():
            raise KeyError(known.trigger)
        _next_version(session, record)
        _write(session, actor, record, known.trigger, known.source, known.dest, reason, moment(known.on),
               {"day": known.on.isoformat()})


def arrive(session: Session, actor: User, record: Any, state: str, *, on: date | None, today: date,
           reason: str, values: dict[str, Any] | None = None) -> engine.Fired:
    """The import step of the record's machine, from its first state to ``state``, dated ``on`` when known:
    the state, the step's record and the audit entry, in the caller's transaction (not committed)."""
    policy.require(actor, policy.Action.IMPORT_DATA, record)
    spec = machine_for(record)
    before = record.version
    fired = engine.fire_import(spec, record, state,
                               engine.FireContext(actor=actor, today=today, reason=reason, values=dict(values or {})))
    flush(session)
    if record.version == before:  # it arrives in the machine's first state: nothing changed on the row
        _next_version(session, record)
    _write(session, actor, record, fired.trigger, fired.source, fired.dest, reason, moment(on),
           {"day": on.isoformat() if on else None})
    return fired
