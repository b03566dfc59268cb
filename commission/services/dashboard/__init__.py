"""The figures of the scheme for a year: the dashboard of the coordinator and the housing sub-group, and the
annual activity report, which both read :func:`year_figures` (so they agree by construction).

A past year is seen as it stood on 31 December; the current year as it stands today. What a record was at
a date is read from its workflow's step records (:mod:`commission.models.steps`): the state of a place, a
file or a deposit on day D is the state its last step at or before D led to (or, for a record whose first
step came later, the state that step left). Flows (applications, decisions, moves, exits, money) are
those dated within the year, up to that day.

Every figure is a count, a rate, a duration in days or a sum of money: never a person. The records behind
a figure are listed by :func:`figure_records`, to those who may read them (:mod:`commission.policy`: the
files to the coordinator, the places to whoever sees the stock, the deposits to those who see them).

Queries: a fixed number whatever the volume (ten for the figures, three for a list of records), each
grouped in SQL, the durations by their number of days (medians and means are read from those counts), so
that the rows they bring back do not grow with the records either. The figures are then kept for as long
as the data they come from stays the same (:mod:`.cache`): seen again, they cost one query.

The sections: :mod:`.period` (the year, and a record's state on a day), :mod:`.places`, :mod:`.files`
(applications, decisions, moves, people housed), :mod:`.money`, :mod:`.agreements`, :mod:`.hearings`;
:mod:`.days` (the council's days in SQL); :mod:`.figures` gathers them into the year's figures, kept by
:mod:`.cache`; :mod:`.records` lists the records behind one.
"""

from __future__ import annotations

from commission.documents.figures import (
    DECISION_LABELS,
    DECISION_TRIGGERS,
    HEARING_DECISION_LABELS,
    OFFER_TRIGGERS,
    PLACE_STATES,
    AnnualReport,
    Durations,
    Finances,
    HearingFigures,
    Period,
    PlaceRow,
    YearFigures,
)
from commission.services.dashboard.figures import annual_report, year_figures
from commission.services.dashboard.period import FIRST_YEAR, available_years, period
from commission.services.dashboard.records import (
    FIGURE_TITLES,
    FILTERS,
    RECORD_KINDS,
    Cents,
    Days,
    ExitLabel,
    FigureRecords,
    KindLabel,
    Label,
    RecordRow,
    StateLabel,
    figure_records,
    may_see,
)

__all__ = [
    "DECISION_LABELS",
    "DECISION_TRIGGERS",
    "FIGURE_TITLES",
    "FILTERS",
    "FIRST_YEAR",
    "HEARING_DECISION_LABELS",
    "OFFER_TRIGGERS",
    "PLACE_STATES",
    "RECORD_KINDS",
    "AnnualReport",
    "Cents",
    "Days",
    "Durations",
    "ExitLabel",
    "FigureRecords",
    "Finances",
    "HearingFigures",
    "KindLabel",
    "Label",
    "Period",
    "PlaceRow",
    "RecordRow",
    "StateLabel",
    "YearFigures",
    "annual_report",
    "available_years",
    "figure_records",
    "may_see",
    "period",
    "year_figures",
]
