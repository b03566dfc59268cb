"""The time of the application: UTC instants, and the council's calendar day (Europe/Paris).

The demo and the tests replay years of the commission's life by moving the clock with
:func:`travel`; everything that stamps a time asks :func:`now`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

COUNCIL_ZONE = ZoneInfo("Europe/Paris")

_frozen: ContextVar[datetime | None] = ContextVar("commission_frozen_now", default=None)


def now() -> datetime:
    frozen = _frozen.get()
    return frozen if frozen is not None else datetime.now(UTC)


def today() -> date:
    return now().astimezone(COUNCIL_ZONE).date()


def local_date(moment: datetime) -> date:
    """The council's calendar day of an instant."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(COUNCIL_ZONE).date()


def at_noon(day: date) -> datetime:
    """Noon, council time, on a given day: a plausible moment for a replayed step."""
    return datetime.combine(day, time(12), tzinfo=COUNCIL_ZONE).astimezone(UTC)


@contextmanager
def travel(moment: datetime | date) -> Iterator[None]:
    """Make :func:`now` answer ``moment`` (a date means noon that day) inside the block."""
    if not isinstance(moment, datetime):
        moment = at_noon(moment)
    if moment.tzinfo is None:
        raise ValueError("travel needs a timezone-aware moment")
    token = _frozen.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _frozen.reset(token)
