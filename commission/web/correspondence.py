"""The register of outgoing mail: every letter written, to whom, by which channel, what became of it; each letter's
PDF as it was sent; a letter the mail server refused sent again or printed instead."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from commission import labels as tables
from commission.parsing import as_page
from commission.services.letters import register
from commission.web.letters import pdf_response
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt

bp = Blueprint("correspondence", __name__)


@bp.get("/letters")
@login_required
def index() -> ResponseReturnValue:
    user = require_user()
    status = request.args.get("status", "")
    status = status if status in register.STATUS_FILTERS else ""
    page = register.list_letters(db(), user, status=status, page=as_page(request.args.get("page")))
    by_status = register.status_counts(db(), user)
    counts = {key: sum(by_status.get(one, 0) for one in statuses) for key, statuses in register.STATUS_FILTERS.items()}
    filters = [(key, tables.LETTER_STATUS_LABELS[statuses[0]] if len(statuses) == 1 else register.DONE_LABEL)
               for key, statuses in register.STATUS_FILTERS.items()]
    return render_template("correspondence/index.html", page=page, status=status, counts=counts, filters=filters,
                           labels=tables)


@bp.get("/letters/<int:letter_id>")
@login_required
def show(letter_id: int) -> ResponseReturnValue:
    user = require_user()
    letter = register.get_letter(db(), user, letter_id)
    return render_template("correspondence/show.html", letter=letter, labels=tables,
                           resend=register.may_send_again(user, letter))


@bp.get("/letters/<int:letter_id>.pdf")
@login_required
def pdf(letter_id: int) -> ResponseReturnValue:
    data, filename = register.letter_pdf(db(), require_user(), letter_id)
    return pdf_response(data, filename)


@bp.post("/letters/<int:letter_id>/send-again")
@login_required
def send_again(letter_id: int) -> ResponseReturnValue:
    user = require_user()
    by_post = request.form.get("by_post") == "1"
    if attempt(lambda: register.send_again(db(), user, letter_id, by_post=by_post), flash_refusal=True):
        flash(_("The letter will be printed with the next print run.") if by_post
              else _("The letter will be e-mailed again at the next sending."), "success")
    return redirect(url_for("correspondence.show", letter_id=letter_id))
