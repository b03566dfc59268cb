"""Orienting a person towards structures of the territory, from their file, and recording each answer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from commission import clock, policy
from commission.errors import NotFound
from commission.i18n import N_
from commission.models.directory import Need
from commission.services import orientations
from commission.web.forms import optional_int
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt
from commission.workflow.orientation import ORIENTATION_MACHINE

bp = Blueprint("orientations", __name__)

# The directory's chapters, as the form groups the structures.
NEED_LABELS = {
    Need.CARE: _l("Care"),
    Need.SOCIAL: _l("Social help and access to rights"),
    Need.HOUSING: _l("Housing and accommodation"),
    Need.PEER: _l("Peer help, users' and families' associations"),
    Need.PREVENTION: _l("Prevention"),
}
# The steps an orientation's timeline shows, by their trigger; its first line is the sending.
STEP_LABELS = {orientations.SENT: N_("Orientation sent"),
               **{step.trigger: step.label for step in ORIENTATION_MACHINE.transitions}}
FIELDS = ("reason", "request", "consent_on", "sent_on")


def _groups(structures: list[Any]) -> list[tuple[Any, list[Any]]]:
    return [(label, [row for row in structures if row.need is need]) for need, label in NEED_LABELS.items()
            if any(row.need is need for row in structures)]


@bp.route("/cases/<int:case_id>/orientations/new", methods=["GET", "POST"])
@login_required
def new(case_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.ORIENT)
    case = orientations.get_case_for_orientation(db(), user, case_id)
    # ?structure=<id>: the structure the user came from (the directory's page), chosen already.
    typed: dict[str, Any] = {"sent_on": clock.today().isoformat(),
                             "structure_id": [request.args["structure"]] if request.args.get("structure") else []}
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        typed = {name: request.form.get(name, "") for name in FIELDS}
        typed["structure_id"] = request.form.getlist("structure_id")
        data = orientations.OrientationInput(**typed)
        outcome = attempt(lambda: orientations.orient(db(), user, case_id, data, today=clock.today()))
        if (made := outcome.value) is not None:
            flash(ngettext("The orientation has been recorded.", "%(num)s orientations have been recorded.",
                           len(made)), "success")
            return redirect(url_for("cases.show", case_id=case_id, _anchor="orientations"))
        errors = {name: messages for name, messages in outcome.errors.items() if name}
        general = [message for name, messages in outcome.errors.items() if not name for message in messages]
        status = outcome.status
    structures = orientations.active_structures(db(), user)
    return render_template("orientations/new.html", case=case, groups=_groups(structures), typed=typed,
                           errors=errors, general=general, chosen=set(typed["structure_id"])), status


@bp.post("/cases/<int:case_id>/orientations/<int:orientation_id>/steps/<trigger>")
@login_required
def step(case_id: int, orientation_id: int, trigger: str) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.ORIENT)
    if trigger not in ORIENTATION_MACHINE.triggers():
        raise NotFound()
    views = {view.orientation.id: view for view in orientations.orientations_of_case(
        db(), user, orientations.get_case_for_orientation(db(), user, case_id).id)}
    if orientation_id not in views:
        raise NotFound()
    form = request.form
    outcome = attempt(lambda: orientations.take_step(
        db(), user, orientation_id, trigger, on=form.get("on", ""), note=form.get("note", ""),
        expected_version=optional_int(form.get("version")) or -1, today=clock.today()))
    if outcome:
        flash(_("The step has been recorded."), "success")
        return redirect(url_for("cases.show", case_id=case_id, _anchor=f"orientation-{orientation_id}"))
    # Refused: the orientation alone, as it is now, with the form as typed and what to correct.
    case = orientations.get_case_for_orientation(db(), user, case_id)
    view = next(view for view in orientations.orientations_of_case(db(), user, case.id)
                if view.orientation.id == orientation_id)
    return render_template(
        "orientations/step.html", case=case, view=view, machine=ORIENTATION_MACHINE, step_labels=STEP_LABELS,
        trigger=trigger, typed=form, today=clock.today(),
        errors={name: messages for name, messages in outcome.errors.items() if name},
        general=[message for name, messages in outcome.errors.items() if not name for message in messages],
    ), outcome.status
