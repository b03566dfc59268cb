"""The one search box: its results page, each record found a link to its own page."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from commission import policy
from commission.errors import InvalidInput
from commission.services import search as search_service
from commission.web.i18n import render_message
from commission.web.shell import db, login_required, require_user

bp = Blueprint("search", __name__)

GROUP_LABELS = {"files": _l("Files"), "places": _l("Places"), "partners": _l("Partners"),
                "structures": _l("Structures of the directory")}


def _link(hit: search_service.Hit) -> str | None:
    if hit.endpoint is None:
        return None
    try:
        return url_for(hit.endpoint, **hit.values)
    except BuildError:  # a page this installation does not have
        return None


@bp.get("/search")
@login_required
def results() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.SEARCH)
    typed = (request.args.get("q") or "")[:search_service.MAX_QUERY_LENGTH]
    errors: list[str] = []
    found = None
    if typed.strip():
        try:
            found = search_service.search(db(), user, typed)
        except InvalidInput as refused:
            errors = [render_message(message) for message in refused.errors.get("q", [])]
    groups = [] if found is None else [
        (GROUP_LABELS[group.kind], [(hit, _link(hit)) for hit in group.hits], group.more)
        for group in found.groups if group.hits]
    return render_template("search/results.html", typed=typed, errors=errors, searched=found is not None,
                           groups=groups, total=found.total if found else 0), 400 if errors else 200
