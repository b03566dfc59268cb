"""Ending a unit of work: commit, or turn the database's refusal into a message for the user."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from commission.errors import ConcurrentChange


def is_concurrent_write(error: BaseException) -> bool:
    """SQLite's refusal of a write whose transaction read data another transaction changed since."""
    return isinstance(error, OperationalError) and "locked" in str(error).lower()


def commit(session: Session) -> None:
    try:
        session.commit()
    except (StaleDataError, OperationalError, IntegrityError) as error:
        session.rollback()
        if isinstance(error, OperationalError) and not is_concurrent_write(error):
            raise
        raise ConcurrentChange() from error


def flush(session: Session) -> None:
    """Flush, reporting a concurrent change the same way as :func:`commit`."""
    try:
        session.flush()
    except (StaleDataError, OperationalError) as error:
        session.rollback()
        if isinstance(error, OperationalError) and not is_concurrent_write(error):
            raise
        raise ConcurrentChange() from error
