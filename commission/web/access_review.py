"""The access review: the coordinator's and the data-protection officer's view of who read or changed which file."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from commission.i18n import Message
from commission.parsing import as_id, as_page, collect, parse_date
from commission.services import access_review
from commission.web.i18n import render_message
from commission.web.shell import db, login_required, require_user, settings
from commission.web.unit import attempt

bp = Blueprint("access_review", __name__)

MAX_PERSON = 200

PART_LABELS = {
    "file": _l("the file"),
    "medical": _l("the medical part"),
    "followup": _l("the follow-up"),
    "export": _l("the export of the person's data"),
}


def describe(access: access_review.Access) -> str:
    """What was read (a part of the file), or the change's audit action."""
    if access.kind == "change":
        return access.what
    if access.what.startswith("document:"):
        return _("document #%(id)s", id=access.what.partition(":")[2])
    label = PART_LABELS.get(access.what)
    return str(label) if label is not None else access.what


def _date(name: str, errors: dict[str, str]) -> date | None:
    refusals: dict[str, list[Message]] = {}
    day = collect(refusals, parse_date, request.args.get(name), name, required=False)
    if name in refusals:
        errors[name] = render_message(refusals[name][0])
    return day


@bp.get("/access-review")
@login_required
def index() -> ResponseReturnValue:
    user = require_user()
    errors: dict[str, str] = {}
    person = (request.args.get("person") or "").strip()[:MAX_PERSON]
    raw_user = (request.args.get("user") or "").strip()
    user_id = as_id(raw_user)
    if raw_user and user_id is None:
        errors["user"] = _("Choose an account from the list.")
    since, until = _date("from", errors), _date("to", errors)
    page_number = as_page(request.args.get("page"))
    outcome = attempt(lambda: access_review.list_accesses(db(), user, person=person or None, user_id=user_id,
                                                          since=since, until=until, page=page_number))
    if (review := outcome.value) is None:
        # A period that ends before it starts: say so, and show the review as if no period were chosen.
        errors["to"] = "; ".join(outcome.general)
        since = until = None
        review = access_review.list_accesses(db(), user, person=person or None, user_id=user_id,
                                             page=page_number)
    users = access_review.reviewable_users(db(), user)
    filters = {"person": person, "user": user_id or "", "from": since.isoformat() if since else "",
               "to": until.isoformat() if until else ""}
    # The form shows what was typed, even when it was refused.
    typed = {"person": person, "user": raw_user, "from": request.args.get("from", ""), "to": request.args.get("to", "")}
    return render_template(
        "access_review/index.html", review=review, users=users, filters=filters, typed=typed, errors=errors,
        many_files=access_review.MANY_FILES_PER_DAY, describe=describe,
        keep_days=settings().access_log_days,
    ), 400 if errors else 200
