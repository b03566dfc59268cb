"""The unit of work: services flush, the request (or the CLI command) commits once at its end.

A service loads, checks, fires, writes and audits, then *flushes*: its writes reach the database
inside the caller's transaction, so a later failure of the same unit can still undo them. The
caller, the web request or the CLI command, ends the unit with :func:`commit` (or the
:func:`unit_of_work` block): everything is written together, or nothing is.

The database's refusals of a concurrent write (SQLite's "database is locked", PostgreSQL's lock
timeout, deadlock or serialization failure, a stale row version) become :class:`ConcurrentChange`,
which the interface shows as "changed meanwhile" (409), never as an error of the software.

Reads of sensitive parts of a file are logged by :func:`log_read` in a short transaction of their
own, so that a read never fails because somebody else is writing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Select, event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.orm.exc import StaleDataError

from commission.errors import CommissionError, ConcurrentChange
from commission.i18n import msg

T = TypeVar("T")
Selected = TypeVar("Selected", bound=Select[Any])

# PostgreSQL's SQLSTATEs for "another transaction is in the way": serialization_failure,
# deadlock_detected, lock_not_available (lock_timeout), query_canceled is not one of them.
_POSTGRES_CONFLICTS = frozenset({"40001", "40P01", "55P03"})
# SQLite's: SQLITE_BUSY and SQLITE_LOCKED, whatever their extended code.
_SQLITE_CONFLICTS = ("database is locked", "database table is locked", "database is busy")

# A read's log row: how many tries, and the pause between them (the busy timeout waits within each).
READ_LOG_TRIES = 3
READ_LOG_PAUSE_SECONDS = 0.05

# What the session's info says once the unit has written something (a flush with changes, or a row
# locked for writing): a read's log row then goes with the unit rather than beside it.
WROTE = "commission.wrote"
LOCKS = "commission_locks"
# The execution options of every SELECT ... FOR UPDATE (see :func:`locked`).
FRESH_LOCK: dict[str, Any] = {"populate_existing": True, LOCKS: True}


class NotRecorded(CommissionError):
    """What had to be recorded could not be, after a few tries: nothing is done (fail closed)."""

    status = 503

    def __init__(self) -> None:
        super().__init__(msg("This could not be recorded now, so nothing was done. Try again in a moment."))


class ReadNotLogged(NotRecorded):
    """The read of a file could not be logged: the file is not shown (the log is never skipped)."""

    def __init__(self) -> None:
        CommissionError.__init__(self, msg("The file could not be opened now, because its reading could not be "
                                           "recorded. Try again in a moment."))


def is_concurrent_write(error: BaseException) -> bool:
    """The database refused a statement because another transaction holds or changed what it touches."""
    if isinstance(error, StaleDataError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _POSTGRES_CONFLICTS
    return isinstance(error, OperationalError) and any(text in str(error.orig).lower() for text in _SQLITE_CONFLICTS)


def _concurrent(session: Session, error: BaseException) -> ConcurrentChange | None:
    """Roll back, and say whether the error was a concurrent change (else the caller re-raises it)."""
    session.rollback()
    return ConcurrentChange() if is_concurrent_write(error) else None


def commit(session: Session) -> None:
    """End the unit of work: write everything, or roll everything back and say why."""
    try:
        session.commit()
    except IntegrityError as error:
        # Two units inserting the same unique value at once (the later one finds the row there).
        session.rollback()
        raise ConcurrentChange() from error
    except (StaleDataError, DBAPIError) as error:
        refusal = _concurrent(session, error)
        if refusal is None:
            raise
        raise refusal from error
    finally:
        session.info.pop(WROTE, None)


def rollback(session: Session) -> None:
    session.rollback()
    session.info.pop(WROTE, None)


def flush(session: Session) -> None:
    """Flush inside the unit, reporting a concurrent change the same way as :func:`commit`."""
    try:
        session.flush()
    except (StaleDataError, DBAPIError) as error:
        if isinstance(error, IntegrityError):
            raise
        refusal = _concurrent(session, error)
        if refusal is None:
            raise
        raise refusal from error


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """One unit of work outside a web request (the CLI, a job, a test acting as a user): commit at the
    end of the block, or roll back on any exception."""
    try:
        yield session
    except BaseException:
        rollback(session)
        raise
    commit(session)


def locked(statement: Selected, **for_update: Any) -> Selected:
    """A SELECT ... FOR UPDATE that returns the row as it is now, not as the session last loaded it.

    Without ``populate_existing`` a row already in the session keeps its cached values (and version)
    even after the lock waited for another transaction that changed it.
    """
    return statement.with_for_update(**for_update).execution_options(**FRESH_LOCK)


def has_written(session: Session) -> bool:
    return bool(session.info.get(WROTE)) or bool(session.new or session.dirty or session.deleted)


@event.listens_for(Session, "after_flush")
def _note_writes(session: Session, _flush: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement_writes(state: ORMExecuteState) -> None:
    # An INSERT, UPDATE or DELETE statement run through the session, or a row locked for writing.
    if state.is_insert or state.is_update or state.is_delete or state.execution_options.get(LOCKS):
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_soft_rollback")
def _forget_writes(session: Session, previous: Any) -> None:
    if previous.parent is None:
        session.info.pop(WROTE, None)


def own_transaction(session: Session) -> Session:
    """A new session beside ``session``, on the same database, for a short transaction of its own."""
    bind = session.get_bind()
    if isinstance(bind, Connection):
        # The test suite's rolled-back isolation: a savepoint of the one connection's transaction.
        return Session(bind=bind, join_transaction_mode="create_savepoint", expire_on_commit=False)
    assert isinstance(bind, Engine)
    return Session(bind=writing(bind), expire_on_commit=False)


def writing(engine: Engine) -> Engine:
    """The engine for a unit that will write: on SQLite its transactions take the write lock as they
    begin (``BEGIN IMMEDIATE``), waiting for it up to the busy timeout, instead of reading a snapshot
    that a concurrent writer could make stale before this one writes (which SQLite can only refuse)."""
    if engine.dialect.name != "sqlite" or engine.get_execution_options().get("sqlite_begin"):
        return engine
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def record_aside(session: Session, write: Callable[[Session], object],
                 refusal: type[NotRecorded] = NotRecorded) -> None:
    """Write what must be kept whatever becomes of the unit (a read's log row, a failed login), in a
    short transaction of its own, with a few tries; ``refusal`` is raised if it still cannot be written.

    When the unit has itself written, the rows go with it instead: a second transaction would wait for
    the first one's own lock. When it has only read under SQLite's write lock (a writing request's
    ``BEGIN IMMEDIATE``), its transaction ends first, for the same reason; nothing of it is lost.
    """
    if has_written(session):
        write(session)
        return
    if session.in_transaction() and session.get_bind().get_execution_options().get("sqlite_begin") == "IMMEDIATE":
        session.commit()
    for attempt in range(READ_LOG_TRIES):
        with own_transaction(session) as aside:
            try:
                write(aside)
                aside.commit()
                return
            except DBAPIError as error:
                aside.rollback()
                if not is_concurrent_write(error):
                    raise
        time.sleep(READ_LOG_PAUSE_SECONDS * (attempt + 1))
    raise refusal()


def log_read(session: Session, user_id: int, case_id: int, part: str) -> None:
    """Record that ``user_id`` read ``part`` of the file ``case_id``, before it is shown: a read never
    fails because another request is writing, and is never shown unlogged (see :func:`record_aside`)."""
    from commission.models.cases import AccessLog

    record_aside(session, lambda target: target.add(AccessLog(user_id=user_id, case_id=case_id, part=part)),
                 ReadNotLogged)
