"""The letters to post: print runs (one PDF of every letter waiting, the addresses placed for window envelopes),
downloaded, printed, then marked as posted (the coordinator)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from commission import clock, policy
from commission.parsing import parse_date
from commission.services.letters import printing
from commission.web.forms import optional_int
from commission.web.letters import pdf_response
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt

bp = Blueprint("print_runs", __name__, url_prefix="/letters/print-runs")


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_LETTERS)
    runs = printing.list_runs(db(), user)
    waiting = printing.waiting(db(), user)
    # One primary button, the next step: post the run printed, else print the run prepared, else prepare one.
    pending = next((view for view in runs if not view.posted), None)
    if pending is not None:
        primary = ("posted" if pending.downloaded else "download", pending.run.id)
    else:
        primary = ("create", 0) if waiting else ("", 0)
    return render_template("letters/print_runs.html", waiting=waiting, runs=runs, primary=primary,
                           today=clock.today())


@bp.post("")
@login_required
def create() -> ResponseReturnValue:
    user = require_user()
    outcome = attempt(lambda: printing.create_run(db(), user), flash_refusal=True)
    if outcome and outcome.value is not None:
        flash(_("The print run no. %(number)s is ready: download its PDF, print it and put each letter in a window "
                "envelope.", number=outcome.value.id), "success")
        return redirect(url_for("print_runs.index") + f"#run-{outcome.value.id}")
    return redirect(url_for("print_runs.index"))


@bp.get("/<int:run_id>/letters.pdf")
@login_required
def pdf(run_id: int) -> ResponseReturnValue:
    data = printing.run_pdf(db(), require_user(), run_id)
    return pdf_response(data, f"courriers-envoi-{run_id}.pdf")


@bp.post("/<int:run_id>/posted")
@login_required
def posted(run_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_LETTERS)

    def mark() -> object:
        day = parse_date(request.form.get("posted_on"), "posted_on")
        assert day is not None
        return printing.mark_posted(db(), user, run_id, posted_on=day,
                                    expected_version=optional_int(request.form.get("version")))

    if attempt(mark, flash_refusal=True):
        flash(_("The letters of the print run no. %(number)s are marked as posted.", number=run_id), "success")
    return redirect(url_for("print_runs.index") + f"#run-{run_id}")
