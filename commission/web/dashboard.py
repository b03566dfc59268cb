"""The dashboard of the coordinator and the housing sub-group, the records behind its figures, and the
annual activity report.

The figures are counts, rates, durations and sums (the service computes them, the same for the page and
the report); each links to the records behind it only for a viewer who may read those records, and
then to a list showing just the records the viewer is entitled to.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from commission import clock, policy
from commission.documents.annual_report import PLACE_STATE_LABELS, quarters, year_charts
from commission.i18n import DEFAULT_LOCALE
from commission.labels import EXIT_REASON_LABELS, PLACE_KIND_LABELS
from commission.models.accounts import User
from commission.models.followup import ExitReason
from commission.models.housing import PlaceKind
from commission.parsing import as_page
from commission.services import dashboard
from commission.web.i18n import money
from commission.web.shell import db, login_required, require_user
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

bp = Blueprint("dashboard", __name__)

FILTER_NAMES = ("kind", "state", "outcome", "quarter", "reason")
# Where the record behind a row of a figure's list is shown.
RECORD_PAGES: dict[str, tuple[str, str]] = {
    "place": ("places.show", "place_id"),
    "case": ("cases.show", "case_id"),
    "deposit": ("treasury.deposit", "deposit_id"),
    "agreement": ("stock.agreement", "agreement_id"),
    "hearing": ("hearings.show", "hearing_id"),
}


def _gettext(msgid: str) -> str:
    return _(msgid)


def _linker(user: User, found: dashboard.Period) -> Callable[..., str | None]:
    """``link(key, **filters)``: the address of the records behind a figure, or None for a viewer who may
    read none of them (the figure is then shown without a link)."""

    def link(key: str, **filters: Any) -> str | None:
        if not dashboard.may_see(user, key):
            return None
        values = {name: value for name, value in filters.items() if value is not None}
        if key == "waiting_list" and found.current and not values:
            # The list of files already filters on the state as it is today.
            return url_for("cases.index", state=CASE_MACHINE.tagged(Tag.ON_WAITING_LIST)[0])
        return url_for("dashboard.figures", year=found.year, key=key, **values)

    return link


def _number(value: float | None) -> str:
    return "—" if value is None else format_decimal(value)


def _cell(value: Any) -> str:
    """A cell of a figure's list of records, in the reader's language."""
    if isinstance(value, dashboard.Cents):
        return money(value.cents)
    if isinstance(value, dashboard.Days):
        return format_decimal(value.days)
    if isinstance(value, dashboard.KindLabel):
        return _(PLACE_KIND_LABELS[value.kind])
    if isinstance(value, dashboard.StateLabel):
        return _(PLACE_STATE_LABELS.get(value.state, value.state))
    if isinstance(value, dashboard.ExitLabel):
        return _(EXIT_REASON_LABELS[value.reason])
    if isinstance(value, dashboard.Label):
        return _(value.msgid)
    if isinstance(value, date):
        from commission.web.i18n import locale_date

        return locale_date(value)
    if isinstance(value, int):
        return format_decimal(value)
    return "—" if value is None else str(value)


@bp.get("/dashboard")
@bp.get("/dashboard/<int:year>")
@login_required
def show(year: int | None = None) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.VIEW_DASHBOARD)
    today = clock.today()
    figures = dashboard.year_figures(db(), user, today.year if year is None else year, today)
    return render_template(
        "dashboard/show.html", figures=figures, period=figures.period, charts=year_charts(figures, _gettext),
        years=dashboard.available_years(db(), user, today), link=_linker(user, figures.period), days=_number,
        quarters=quarters(_gettext), place_states=dashboard.PLACE_STATES, state_labels=PLACE_STATE_LABELS,
        decision_triggers=dashboard.DECISION_TRIGGERS, decision_labels=dashboard.DECISION_LABELS,
        hearing_decision_labels=dashboard.HEARING_DECISION_LABELS, exit_reasons=list(ExitReason),
        treasury=policy.can(user, policy.Action.VIEW_TREASURY),
    )


def _filter_labels(filters: dict[str, str]) -> list[tuple[str, str]]:
    """What the list is restricted to, in words."""
    shown = []
    for name, value in filters.items():
        if name == "kind":
            shown.append((_("Kind of place"), _(PLACE_KIND_LABELS[PlaceKind(value)])))
        elif name == "state":
            shown.append((_("State"), _("In the stock") if value == "in_stock" else _(PLACE_STATE_LABELS[value])))
        elif name == "outcome":
            shown.append((_("Decision"), _(dashboard.DECISION_LABELS[value])))
        elif name == "quarter":
            shown.append((_("Quarter"), quarters(_gettext)[int(value) - 1]))
        elif name == "reason":
            shown.append((_("Reason"), _(EXIT_REASON_LABELS[ExitReason(value)])))
    return shown


@bp.get("/dashboard/<int:year>/figures/<key>")
@login_required
def figures(year: int, key: str) -> ResponseReturnValue:
    user = require_user()
    filters = {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)}
    found = dashboard.figure_records(db(), user, year, key, filters, today=clock.today(),
                                     page=as_page(request.args.get("page")))
    endpoint, argument = RECORD_PAGES[found.kind]
    return render_template("dashboard/figures.html", found=found, period=found.period, cell=_cell,
                           filter_labels=_filter_labels(found.filters), record_endpoint=endpoint,
                           record_argument=argument, pager_args={"year": year, "key": key, **found.filters})


@bp.get("/reports/annual")
@login_required
def annual_reports() -> ResponseReturnValue:
    user = require_user()
    return render_template("dashboard/reports.html", years=dashboard.available_years(db(), user, clock.today()),
                           today=clock.today())


@bp.get("/reports/annual/<int:year>.pdf")
@login_required
def annual_report(year: int) -> ResponseReturnValue:
    from commission.documents.annual_report import render_annual_report
    from commission.services.hearing_documents import council

    user = require_user()
    report = dashboard.annual_report(db(), user, year, council().name, clock.today())
    data = render_annual_report(report, locale=str(get_locale() or DEFAULT_LOCALE))
    response = Response(data, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename=f"rapport-activite-{year}.pdf")
    return response
