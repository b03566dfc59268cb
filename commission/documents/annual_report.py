"""The annual activity report (rapport d'activité), as an A4 PDF/A; and the charts the dashboard shows too.

The report takes the year's figures (:class:`commission.documents.figures.YearFigures`, plain data) and
nothing else: it names no person, no file, no place. Its charts are the dashboard's, drawn by
:func:`year_charts` from the same figures, each followed by its table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency, format_decimal

from commission.documents.charts import Chart, Series, bar_chart
from commission.documents.figures import (
    DECISION_LABELS,
    DECISION_TRIGGERS,
    HEARING_DECISION_LABELS,
    PLACE_STATES,
    AnnualReport,
    YearFigures,
)
from commission.documents.pdf import gettext as document_gettext
from commission.documents.pdf import render_pdf, supported_locale
from commission.i18n import DEFAULT_LOCALE, N_
from commission.labels import EXIT_REASON_LABELS, PLACE_KIND_LABELS
from commission.models.followup import ExitReason
from commission.models.housing import PlaceKind
from commission.workflow.place import PLACE_MACHINE

PLACE_STATE_LABELS: dict[str, str] = {state: PLACE_MACHINE.state(state).label for state in PLACE_STATES}
QUARTER_LABEL = N_("Q%(number)s")


@dataclass(frozen=True)
class YearCharts:
    places: Chart  # places by kind, stacked by state
    decisions: Chart  # decisions on applications by outcome
    movements: Chart  # move-ins and exits per quarter
    exits: Chart  # exits by reason


def quarters(gettext: Callable[[str], str]) -> list[str]:
    return [gettext(QUARTER_LABEL) % {"number": number} for number in range(1, 5)]


def year_charts(figures: YearFigures, gettext: Callable[[str], str]) -> YearCharts:
    """The year's charts, with their texts in the reader's language (``gettext``)."""
    _ = gettext
    kinds = list(PlaceKind)
    return YearCharts(
        places=bar_chart(
            "chart-places", _("Places by kind and state"), [_(PLACE_KIND_LABELS[kind]) for kind in kinds],
            [Series(_(PLACE_STATE_LABELS[state]), tuple(row.counts[state] for row in figures.places))
             for state in PLACE_STATES],
            horizontal=True, stacked=True, height=2.8),
        decisions=bar_chart(
            "chart-decisions", _("Decisions on applications, by outcome"),
            [_(DECISION_LABELS[trigger]) for trigger in DECISION_TRIGGERS],
            [Series(_("Decisions"), tuple(figures.decisions[trigger] for trigger in DECISION_TRIGGERS))],
            horizontal=True),
        movements=bar_chart(
            "chart-movements", _("Admissions and exits per quarter"), quarters(gettext),
            [Series(_("Admissions"), tuple(figures.admissions)), Series(_("Exits"), tuple(figures.exits))]),
        exits=bar_chart(
            "chart-exits", _("Exits by reason"), [_(EXIT_REASON_LABELS[reason]) for reason in ExitReason],
            [Series(_("Exits"), tuple(figures.exits_by_reason[reason] for reason in ExitReason))],
            horizontal=True),
    )


def render_annual_report(report: AnnualReport, *, locale: str = DEFAULT_LOCALE) -> bytes:
    _ = document_gettext(locale)
    locale = supported_locale(locale)
    figures = report.figures
    title = _("Annual activity report — %(year)s") % {"year": figures.period.year}

    def money(cents: int) -> str:
        return format_currency(Decimal(cents) / 100, "EUR", locale=locale)

    def days(value: float | None) -> str:
        return "—" if value is None else format_decimal(value, locale=locale)

    return render_pdf(
        "annual_report.html",
        {"report": report, "figures": figures, "charts": year_charts(figures, _), "money": money, "days": days,
         "title": title, "kind_labels": PLACE_KIND_LABELS, "state_labels": PLACE_STATE_LABELS,
         "exit_labels": EXIT_REASON_LABELS, "decision_labels": DECISION_LABELS, "quarters": quarters(_),
         "hearing_decision_labels": HEARING_DECISION_LABELS,
         "place_states": PLACE_STATES, "decision_triggers": DECISION_TRIGGERS, "exit_reasons": list(ExitReason)},
        title=title,
        author=report.council,
        locale=locale,
        subject=title,
        keywords=(_("annual report"), str(figures.period.year)),
        created=report.issued_on,
    )
