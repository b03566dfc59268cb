"""The outbox: every e-mail the software composed (the daily digests), and what became of it."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from commission.parsing import as_page
from commission.services import digest
from commission.web.shell import db, login_required, require_user

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    page = digest.list_outbox(db(), require_user(), page=as_page(request.args.get("page")))
    return render_template("outbox/index.html", page=page)


@bp.get("/<int:mail_id>")
@login_required
def show(mail_id: int) -> ResponseReturnValue:
    return render_template("outbox/show.html", mail=digest.get_mail(db(), require_user(), mail_id))
