"""A person, beyond one file: the export of everything held on them (their right of access)."""

from __future__ import annotations

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from commission.i18n import DEFAULT_LOCALE
from commission.services import person_export
from commission.web.cases import store
from commission.web.shell import db, login_required, require_user

bp = Blueprint("persons", __name__)


@bp.post("/persons/<int:applicant_id>/export")
@login_required
def export(applicant_id: int) -> ResponseReturnValue:
    """The ZIP (PDF, JSON, documents), as an attachment; the service checks the role and records the export."""
    name, data = person_export.export_person(db(), require_user(), store(), applicant_id,
                                             locale=str(get_locale() or DEFAULT_LOCALE))
    response = Response(data, mimetype="application/zip")
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Cache-Control"] = "no-store"
    return response
