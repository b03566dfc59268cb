"""The people helped: housed or followed by the council, or followed by a structure of the territory the
council oriented them to (on its books, outside its places), each person once; as scalar subqueries, so that
they join the dashboard's query of counts without a query of their own.

An orientation's follow-up there is read from its step records, dated with the day each happened: it began
with the step into a state tagged ``FOLLOWED_THERE`` and ended with the step out of it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, case, distinct, func, or_, select, union
from sqlalchemy.sql import Subquery

from commission.documents.figures import Period
from commission.models.cases import Case
from commission.models.directory import Orientation, OrientationTransition
from commission.models.tenancy import Occupancy
from commission.services.dashboard.files import _housed_in_year
from commission.workflow.orientation import ORIENTATION_MACHINE
from commission.workflow.tags import Tag


def _spans(found: Period) -> Subquery:
    """Each orientation's follow-up there as of the day: the person, since when, until when (None: still)."""
    followed = ORIENTATION_MACHINE.tagged(Tag.FOLLOWED_THERE)
    step = OrientationTransition
    entering = step.to_state.in_(followed)
    leaving = and_(step.from_state.in_(followed), step.to_state.not_in(followed))
    spans = (select(step.orientation_id.label("orientation_id"),
                    func.min(case((entering, step.on))).label("since"),
                    func.max(case((leaving, step.on))).label("until"))
             .where(step.on <= found.as_of).group_by(step.orientation_id).subquery())
    return (select(Case.applicant_id.label("person"), spans.c.since, spans.c.until)
            .join(Orientation, Orientation.id == spans.c.orientation_id)
            .join(Case, Case.id == Orientation.case_id)
            .where(spans.c.since.is_not(None)).subquery())


def _helped_counts(found: Period) -> tuple[ColumnElement[int], ColumnElement[int], ColumnElement[int]]:
    """Three scalar subqueries: the people followed in a structure on the day; the people helped in the year
    (housed at any time in it, or followed in a structure at any time in it); and since the start."""
    spans = _spans(found)
    elsewhere = (select(func.count(distinct(spans.c.person))).where(spans.c.until.is_(None))
                 .scalar_subquery())
    in_year = union(
        select(Case.applicant_id.label("person")).join(Occupancy, Occupancy.case_id == Case.id)
        .where(_housed_in_year(found)),
        select(spans.c.person).where(or_(spans.c.until.is_(None), spans.c.until >= found.first_day)),
    ).subquery()
    ever = union(
        select(Case.applicant_id.label("person")).join(Occupancy, Occupancy.case_id == Case.id)
        .where(Occupancy.move_in_date <= found.as_of),
        select(spans.c.person),
    ).subquery()
    return (elsewhere, select(func.count()).select_from(in_year).scalar_subquery(),
            select(func.count()).select_from(ever).scalar_subquery())
