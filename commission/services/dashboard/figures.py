"""Every figure of the year, as the dashboard and the annual activity report show them.

Computed in ten queries, each grouped in SQL (by state, outcome, month, or by the number of days a duration
took, for the medians), so that neither their number nor the rows they bring back grow with the records;
then kept for as long as the data stays the same (:mod:`.cache`): a dashboard seen again, by anyone who may
see as much, costs one query while nothing changed.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.documents.figures import AnnualReport, Period, YearFigures
from commission.models.accounts import User
from commission.services.dashboard.agreements import _agreement_counts
from commission.services.dashboard.cache import remember
from commission.services.dashboard.files import (
    _allocation_durations,
    _decision_figures,
    _housed_counts,
    _movements,
    _submissions,
    _waiting,
)
from commission.services.dashboard.hearings import _hearing_figures, _held_count
from commission.services.dashboard.money import _finances, _outstanding_totals
from commission.services.dashboard.orientations import _helped_counts
from commission.services.dashboard.period import calendar, period
from commission.services.dashboard.places import _place_figures
from commission.services.dashboard.records import RECORD_KINDS

# ---------------------------------------------------------------- the figures


def viewer(actor: User) -> Hashable:
    """What the actor may see of the figures: the kinds of records behind them they may read, and the fund's
    details. Figures kept for one viewer are handed only to viewers who may see the same."""
    return (tuple(sorted(kind for kind in set(RECORD_KINDS.values()) if policy.sees_figure_records(actor, kind))),
            policy.can(actor, policy.Action.VIEW_TREASURY))


def year_figures(session: Session, actor: User, year: int, today: date | None = None) -> YearFigures:
    """Every figure of the year, as the dashboard and the annual report show them."""
    policy.require(actor, policy.Action.VIEW_DASHBOARD)
    today = today or clock.today()
    found = period(session, year, today)
    return remember(session, ("figures", found, viewer(actor)), lambda: _year_figures(session, found, today))


def _year_figures(session: Session, found: Period, today: date) -> YearFigures:
    known = calendar(session, today)
    settled = found.current and known.settled  # the records' own states are today's
    years = (known.years[-1] - 1, found.year + 1)  # where the moments counted fall
    housed, followed = _housed_counts(found)
    elsewhere, helped, helped_ever = _helped_counts(found)
    outstanding = _outstanding_totals(found, settled=settled)
    counts = session.execute(
        select(select(func.count()).select_from(_submissions(found).subquery()).scalar_subquery(), housed,
               followed, _held_count(found), outstanding.c.count, outstanding.c.cents, elsewhere, helped, helped_ever)
        .select_from(outstanding)
    ).one()
    (applications, housed_count, followed_count, held, outstanding_count, outstanding_cents, elsewhere_count,
     helped_count, helped_ever_count) = (int(n) for n in counts)
    places, vacancies = _place_figures(session, found, years, settled=settled)
    decisions, submission_to_decision = _decision_figures(session, found, years)
    admissions, exits, by_reason = _movements(session, found)
    in_force, to_renew = _agreement_counts(session, found)
    return YearFigures(
        period=found,
        places=places,
        vacancies=vacancies,
        waiting_list=_waiting(session, found, years, settled=settled),
        applications_received=applications,
        decisions=decisions,
        submission_to_decision=submission_to_decision,
        waiting_to_allocation=_allocation_durations(session, found, years),
        admissions=admissions, exits=exits, exits_by_reason=by_reason,
        housed=housed_count, followed=followed_count,
        deposits_outstanding=outstanding_count, deposits_outstanding_cents=outstanding_cents,
        finances=_finances(session, found),
        agreements_in_force=in_force, agreements_to_renew=to_renew,
        hearings=_hearing_figures(session, found, held),
        followed_elsewhere=elsewhere_count, helped=helped_count, helped_since_start=helped_ever_count,
    )


def annual_report(session: Session, actor: User, year: int, council: str, today: date | None = None
                  ) -> AnnualReport:
    """The annual activity report's data: the very figures the dashboard shows for the year, and the housing
    sub-group's year (its meetings, correspondence and new partners) for the council's general assembly."""
    from commission.services.subgroup.year import subgroup_year

    today = today or clock.today()
    figures = year_figures(session, actor, year, today)
    return AnnualReport(council, figures, today, subgroup=subgroup_year(session, actor, figures.period))
