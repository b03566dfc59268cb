"""The home page of each role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from commission import policy
from commission.services import cases, reference
from commission.web.shell import db, login_required, require_user

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    user = require_user()
    counts = reference.place_counts(db(), user) if policy.can(user, policy.Action.VIEW_PLACES) else []
    offers = cases.offers_awaiting_answer(db(), user)
    return render_template("main/home.html", place_counts=counts, offers=offers)
