"""The year's contribution settings: the rate per inhabitant, the contributors and the base of each.

The coordinator sets them before the call (the treasurer, and whoever reads the fund, sees them); the service
refuses them once a contribution of the year is called, and recomputes the year's contributions if it is open.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from commission import policy
from commission.errors import NotFound
from commission.models.contribution_settings import ContributionBase
from commission.services.treasury import contribution_settings as settings_service
from commission.web.forms import optional_int
from commission.web.shell import db, login_required, require_user
from commission.web.treasury import FIRST_YEAR, LAST_YEAR, Errors
from commission.web.unit import attempt

bp = Blueprint("contribution_settings", __name__, url_prefix="/treasury/contributions")


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound()
    return year


@dataclass(frozen=True)
class Row:
    """One contributor as the form shows it: what is saved, or what was typed."""

    key: str
    name: str
    base: str
    population: str
    amount: str
    default_population: int
    amount_cents: int | None  # what it comes to, as saved (None for typed values)


def _euros(cents: int | None) -> str:
    return "" if cents is None else f"{cents // 100},{cents % 100:02d}"


def _saved_rows(found: settings_service.YearSettings) -> list[Row]:
    return [Row(share.key, share.name, share.base.value,
                "" if share.population_set is None else str(share.population_set), _euros(share.fixed_cents),
                share.default_population, share.amount_cents) for share in found.shares]


def _default_population(found: settings_service.YearSettings, key: str) -> int:
    share = next((share for share in found.shares if share.key == key), None)
    return found.towns_total if share is None else share.default_population


def _names(found: settings_service.YearSettings) -> dict[str, str]:
    names = {share.key: share.name for share in found.shares}
    names.update({f"organisation-{ident}": name for ident, name in found.candidates})
    return names


def _submitted(form: MultiDict[str, str]) -> list[settings_service.ShareInput]:
    """The contributors the form keeps, and the partner it adds."""
    shares = [settings_service.ShareInput(key, form.get(f"base-{key}", ""), form.get(f"population-{key}", ""),
                                          form.get(f"amount-{key}", ""))
              for key in form.getlist("contributor") if not form.get(f"remove-{key}")]
    added = optional_int(form.get("add"))
    if added is not None:
        key = f"organisation-{added}"
        shares.append(settings_service.ShareInput(key, form.get("add-base", ""), form.get("add-population", ""),
                                                  form.get("add-amount", "")))
    return shares


def _typed_rows(found: settings_service.YearSettings, shares: list[settings_service.ShareInput]) -> list[Row]:
    names = _names(found)
    return [Row(share.key, names.get(share.key, "—"), share.base, share.population, share.amount,
                _default_population(found, share.key), None) for share in shares]


def _page(year: int, *, rows: list[Row] | None = None, rate: str | None = None, errors: Errors | None = None,
          status: int = 200) -> ResponseReturnValue:
    user = require_user()
    found = settings_service.year_settings(db(), user, year)
    base_choices = [(ContributionBase.POPULATION.value, _("Population, at the year's rate")),
                    (ContributionBase.FIXED.value, _("Fixed amount"))]
    return render_template(
        "treasury/contribution_settings.html", year=year, settings=found, errors=errors or {},
        rows=_saved_rows(found) if rows is None else rows, rate=_euros(found.rate_cents) if rate is None else rate,
        edit=policy.can(user, policy.Action.SET_CONTRIBUTIONS) and not found.locked, base_choices=base_choices,
        add_choices=[("", _("None"))] + [(str(ident), name) for ident, name in found.candidates],
        first_year=FIRST_YEAR, last_year=LAST_YEAR,
    ), status


@bp.route("/<int:year>/settings", methods=["GET", "POST"])
@login_required
def settings(year: int) -> ResponseReturnValue:
    year = _year(year)
    if request.method == "GET":
        return _page(year)
    user = require_user()
    policy.require(user, policy.Action.SET_CONTRIBUTIONS)
    form = request.form
    shares = _submitted(form)
    data = settings_service.SettingsInput(form.get("rate", ""), shares)
    version = optional_int(form.get("version")) or 0
    outcome = attempt(lambda: settings_service.set_year_settings(db(), user, year, data, version))
    if not outcome:
        found = settings_service.year_settings(db(), user, year)
        return _page(year, rows=_typed_rows(found, shares), rate=form.get("rate", ""), errors=outcome.errors,
                     status=outcome.status)
    flash(_("The contribution settings of %(year)s have been saved.", year=year), "success")
    return redirect(url_for("contribution_settings.settings", year=year))
