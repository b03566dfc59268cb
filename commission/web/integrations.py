"""The coordinator's integration pages: the API tokens (issued, with the secret shown once; revoked after a
confirmation; their last use) and the availability notices the landlords sent through the API (confirmed, which
leads to the place's page where its own steps are, or dismissed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from commission import clock, policy
from commission.models.integrations import IntegrationKind
from commission.parsing import as_id
from commission.policy import integrations as api_policy
from commission.policy.integrations import SCOPE_DESCRIPTIONS, Scope
from commission.services.integrations import notices, tokens
from commission.web.forms import optional_int
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt

bp = Blueprint("integrations", __name__, url_prefix="/integrations")

KIND_LABELS = {
    IntegrationKind.LANDLORD: _l("A landlord"),
    IntegrationKind.HOSPITAL: _l("The hospital"),
    IntegrationKind.ACCOUNTANT: _l("The council's accountant"),
}
STATE_LABELS = {"active": _l("Active"), "expired": _l("Expired"), "revoked": _l("Revoked")}
DEFAULT_LIFETIME_DAYS = 365


def _scope_label(scope: Scope) -> str:
    return _(SCOPE_DESCRIPTIONS[scope])


def _form_context(values: dict[str, Any], errors: dict[str, list[str]], general: list[str]) -> dict[str, Any]:
    user = require_user()
    return {
        "kinds": list(IntegrationKind), "kind_labels": KIND_LABELS, "scopes": list(Scope),
        "scope_label": _scope_label,
        # each scope once, with the kinds of token that may hold it
        "scope_kinds": {scope: [kind for kind in IntegrationKind if scope in api_policy.allowed_scopes(kind)]
                        for scope in Scope},
        "organisations": tokens.bindable(db(), user), "values": values, "errors": errors, "general": general,
        "max_day": (clock.today() + timedelta(days=api_policy.MAX_LIFETIME_DAYS)).isoformat(),
        "min_day": (clock.today() + timedelta(days=1)).isoformat(),
    }


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    user = require_user()
    rows = tokens.listing(db(), user)
    waiting = notices.waiting(db(), user)
    return render_template("integrations/index.html", rows=rows, waiting=waiting, kind_labels=KIND_LABELS,
                           state_labels=STATE_LABELS, state_of=tokens.state_of, scope_label=_scope_label,
                           scope_of=lambda value: next((s for s in Scope if s.value == value), None),
                           sector_wide=lambda token: token.organisation_id is None and api_policy.binding_kind(
                               token.kind) is not None)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_INTEGRATIONS)
    if request.method == "GET":
        values = {"name": "", "kind": "", "organisation": "", "scopes": [],
                  "expires_on": (clock.today() + timedelta(days=DEFAULT_LIFETIME_DAYS)).isoformat()}
        return render_template("integrations/form.html", **_form_context(values, {}, []))
    values = {"name": request.form.get("name", ""), "kind": request.form.get("kind", ""),
              "organisation": request.form.get("organisation", ""),
              "scopes": request.form.getlist("scopes")[:10], "expires_on": request.form.get("expires_on", "")}
    outcome = attempt(lambda: tokens.create(
        db(), user, name=values["name"], kind=values["kind"], organisation_id=as_id(values["organisation"]),
        scopes=[str(scope)[:40] for scope in values["scopes"]], expires_on=values["expires_on"]))
    if outcome and outcome.value is not None:
        issued = outcome.value
        # The secret is shown on this page only: it is not kept, and this answer is never cached.
        return render_template("integrations/created.html", token=issued.token, secret=issued.secret,
                               kind_labels=KIND_LABELS)
    errors = {name or "name": messages for name, messages in outcome.errors.items() if name}
    general = outcome.errors.get("", [])
    return render_template("integrations/form.html", **_form_context(values, errors, general)), outcome.status


@bp.route("/<int:token_id>/edit", methods=["GET", "POST"])
@login_required
def edit(token_id: int) -> ResponseReturnValue:
    """Its name, its scopes (among its kind's), its expiry; its kind and binding stay."""
    user = require_user()
    token = tokens.get(db(), user, token_id)
    if request.method == "GET":
        values = {"name": token.name, "scopes": token.scopes.split(),
                  "expires_on": token.expires_at.date().isoformat()}
        return render_template("integrations/form.html", token=token, **_form_context(values, {}, []))
    values = {"name": request.form.get("name", ""), "scopes": request.form.getlist("scopes")[:10],
              "expires_on": request.form.get("expires_on", "")}
    outcome = attempt(lambda: tokens.change(
        db(), user, token_id, name=values["name"], scopes=[str(scope)[:40] for scope in values["scopes"]],
        expires_on=values["expires_on"], expected_version=optional_int(request.form.get("version")) or -1),
        changed=_("Someone changed this token meanwhile: here it is as it is now."))
    if outcome:
        flash(_("The token has been changed."), "success")
        return redirect(url_for("integrations.index"))
    token = tokens.get(db(), user, token_id)  # as it is after the rollback
    errors = {name: messages for name, messages in outcome.errors.items() if name}
    return render_template("integrations/form.html", token=token,
                           **_form_context(values, errors, outcome.errors.get("", []))), outcome.status


@bp.route("/<int:token_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    """Asked first (GET: what revoking does), then done (POST)."""
    user = require_user()
    if request.method == "GET":
        token = tokens.get(db(), user, token_id)
        return render_template("integrations/revoke.html", token=token, kind_labels=KIND_LABELS)
    if attempt(lambda: tokens.revoke(db(), user, token_id), flash_refusal=True):
        flash(_("The token has been revoked: it is refused from now on."), "success")
    return redirect(url_for("integrations.index"))


@bp.post("/notices/<int:notice_id>/<any(confirm, dismiss):decision>")
@login_required
def decide(notice_id: int, decision: str) -> ResponseReturnValue:
    user = require_user()
    outcome = attempt(lambda: notices.decide(db(), user, notice_id, confirm=decision == "confirm"),
                      flash_refusal=True)
    if outcome and outcome.value is not None:
        if decision == "confirm":
            flash(_("The notice has been confirmed. Take the place's step below if it applies."), "success")
            return redirect(url_for("places.show", place_id=outcome.value.place_id))
        flash(_("The notice has been dismissed."), "success")
    back = request.form.get("back")
    if back == "place" and outcome.value is not None:
        return redirect(url_for("places.show", place_id=outcome.value.place_id))
    return redirect(url_for("integrations.index"))

