"""The stock of places and the reference data (towns, partners, care teams), read-only here."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from commission.models.housing import PlaceKind
from commission.services import reference
from commission.web.forms import optional_int
from commission.web.shell import db, login_required, require_user

bp = Blueprint("places", __name__)


@bp.get("/places")
@login_required
def index() -> ResponseReturnValue:
    user = require_user()
    kind_value = request.args.get("kind", "")
    kind = next((k for k in PlaceKind if k.value == kind_value), None)
    town_id = optional_int(request.args.get("town"))
    places = reference.list_places(db(), user, reference.PlaceFilter(kind=kind, town_id=town_id),
                                   page=optional_int(request.args.get("page")) or 1)
    towns = reference.towns(db())
    return render_template(
        "places/index.html", places=places, kinds=list(PlaceKind), towns=towns,
        selected_kind=kind, selected_town=town_id,
    )


@bp.get("/places/<int:place_id>")
@login_required
def show(place_id: int) -> ResponseReturnValue:
    place = reference.get_place(db(), require_user(), place_id)
    return render_template("places/show.html", place=place)


@bp.get("/reference", endpoint="reference")
@login_required
def reference_page() -> ResponseReturnValue:
    data = reference.reference_data(db(), require_user())
    return render_template("places/reference.html", data=data)
