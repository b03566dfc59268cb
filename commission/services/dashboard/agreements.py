"""The agreements in force on the day, and those due for renewal."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from commission.documents.figures import Period
from commission.models.tenancy import Agreement
from commission.services.stock import RENEWAL_HORIZON_MONTHS, add_months, renewal_deadline

# ---------------------------------------------------------------- agreements


def _agreements_in_force(session: Session, found: Period) -> list[tuple[Agreement, date | None]]:
    """The agreements in force on the day, each with its renewal deadline."""
    agreements = session.execute(
        select(Agreement).where(Agreement.start_date <= found.as_of,
                                or_(Agreement.ended_at.is_(None), Agreement.ended_at > found.as_of))
        .order_by(Agreement.end_date.is_(None), Agreement.end_date, Agreement.reference)
    ).scalars()
    return [(agreement, renewal_deadline(agreement)) for agreement in agreements]


def _renewal_due(deadline: date | None, found: Period) -> bool:
    """Due for renewal as the coordinator's list counts it: the deadline within the horizon, or passed."""
    return deadline is not None and deadline <= add_months(found.as_of, RENEWAL_HORIZON_MONTHS)


def _agreement_counts(session: Session, found: Period) -> tuple[int, int]:
    rows = _agreements_in_force(session, found)
    return len(rows), sum(1 for _agreement, deadline in rows if _renewal_due(deadline, found))
