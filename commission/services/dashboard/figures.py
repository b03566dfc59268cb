"""Every figure of the year, as the dashboard and the annual activity report show them."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.documents.figures import DECISION_TRIGGERS, PLACE_STATES, AnnualReport, Durations, PlaceRow, YearFigures
from commission.models.accounts import User
from commission.models.housing import PlaceKind
from commission.services.dashboard.agreements import _agreement_counts
from commission.services.dashboard.files import (
    _allocations_from_waiting_list,
    _decisions,
    _housed_counts,
    _movements,
    _submissions,
    _waiting,
)
from commission.services.dashboard.hearings import _hearing_figures
from commission.services.dashboard.money import _finances, _outstanding_totals
from commission.services.dashboard.period import _council_day, period
from commission.services.dashboard.places import _place_rows
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- the figures


def year_figures(session: Session, actor: User, year: int, today: date | None = None) -> YearFigures:
    """Every figure of the year, as the dashboard and the annual report show them."""
    policy.require(actor, policy.Action.VIEW_DASHBOARD)
    found = period(session, year, today)
    places = _place_rows(session, found)
    vacant = [days for _id, _kind, state, days in places if PLACE_MACHINE.means(state, Tag.FREE)]
    decisions = session.execute(_decisions(found)).all()
    outcomes = Counter(trigger for _case, trigger, _at, _submitted in decisions)
    admissions, exits, by_reason = _movements(session, found)
    housed, followed = _housed_counts(session, found)
    outstanding, outstanding_cents = _outstanding_totals(session, found)
    in_force, to_renew = _agreement_counts(session, found)
    return YearFigures(
        period=found,
        places=[PlaceRow(kind, {state: sum(1 for _id, k, s, _d in places if k is kind and s == state)
                                for state in PLACE_STATES}) for kind in PlaceKind],
        vacancies=Durations.of(vacant),
        waiting_list=Durations.of([days for _case, days in _waiting(session, found)]),
        applications_received=session.execute(
            select(func.count()).select_from(_submissions(found).subquery())).scalar_one(),
        decisions={trigger: outcomes.get(trigger, 0) for trigger in DECISION_TRIGGERS},
        submission_to_decision=Durations.of([
            (_council_day(at) - _council_day(submitted)).days for _case, _trigger, at, submitted in decisions
            if submitted is not None]),
        waiting_to_allocation=Durations.of([
            (_council_day(at) - _council_day(entered)).days
            for _case, at, entered in session.execute(_allocations_from_waiting_list(found)).all()]),
        admissions=admissions, exits=exits, exits_by_reason=by_reason,
        housed=housed, followed=followed,
        deposits_outstanding=outstanding, deposits_outstanding_cents=outstanding_cents,
        finances=_finances(session, found),
        agreements_in_force=in_force, agreements_to_renew=to_renew,
        hearings=_hearing_figures(session, found),
    )


def annual_report(session: Session, actor: User, year: int, council: str, today: date | None = None
                  ) -> AnnualReport:
    """The annual activity report's data: the very figures the dashboard shows for the year."""
    today = today or clock.today()
    return AnnualReport(council, year_figures(session, actor, year, today), today)
