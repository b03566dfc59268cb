"""The housing sub-group's workspace: what it follows, on one page, and the way to each of its registers."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from commission import clock
from commission.services.subgroup.workspace import workspace as read_workspace
from commission.web.shell import db, login_required, require_user
from commission.workflow.prospect import PROSPECT_MACHINE

bp = Blueprint("subgroup", __name__, url_prefix="/subgroup")


@bp.get("")
@login_required
def workspace() -> ResponseReturnValue:
    found = read_workspace(db(), require_user(), clock.today())
    return render_template("subgroup/workspace.html", space=found, figures=found.figures, year=found.year,
                           prospect_machine=PROSPECT_MACHINE)
