"""The housing sub-group's workspace: what it follows, on one page, and the way to each of its registers."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from commission import policy
from commission.web.shell import login_required, require_user

bp = Blueprint("subgroup", __name__, url_prefix="/subgroup")


@bp.get("")
@login_required
def workspace() -> ResponseReturnValue:
    policy.require(require_user(), policy.Action.VIEW_SUBGROUP)
    return render_template("subgroup/workspace.html")
