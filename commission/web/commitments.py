"""The three-party commitment to a care and reintegration project, on its own page of the file: its text, its
signatures, the signed copy, the sheet to print and sign."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField

from commission import clock, policy
from commission.documents.care_commitment import render_care_commitment
from commission.errors import NotFound
from commission.services import cases, commitments
from commission.web.cases import store
from commission.web.forms import optional_int
from commission.web.letters import pdf_response
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt, page_status

bp = Blueprint("commitments", __name__)

# The fields of the signature's form, by the name the service gives their errors: their ids on the page.
SIGNATURE_FIELDS = {"party": "party-person", "signed_on": "signed_on", "signatory": "signatory"}


class TextForm(FlaskForm):
    version = HiddenField()
    goals = TextAreaField(_l("The project: what the person wants to reach"), render_kw={"rows": 5})
    person_commitments = TextAreaField(_l("The person commits"), render_kw={"rows": 4})
    care_team_commitments = TextAreaField(_l("The care team commits"), render_kw={"rows": 4})
    council_commitments = TextAreaField(_l("The council commits"), render_kw={"rows": 4})


def _page(case_id: int, *, errors: dict[str, list[str]] | None = None, values: dict[str, str] | None = None,
          status: int = 200) -> ResponseReturnValue:
    user = require_user()
    case = cases.open_case(db(), user, case_id)  # who reads the file reads its commitment; the read is logged
    summary = commitments.review_summary(db(), case_id)
    may_record = commitments.may_record(user, case)
    errors = errors or {}
    return render_template(
        "commitments/show.html", case=case, commitment=summary, may_record=may_record,
        may_draft=may_record and commitments.holds_place(case) and (summary is None or not summary.current),
        values=values or {"signed_on": clock.today().isoformat()},
        general=errors.get("", []),
        field_errors={SIGNATURE_FIELDS.get(name, name): messages for name, messages in errors.items() if name},
        errors=errors,
    ), status


@bp.get("/cases/<int:case_id>/commitment")
@login_required
def show(case_id: int) -> ResponseReturnValue:
    return _page(case_id)


@bp.post("/cases/<int:case_id>/commitment/draft")
@login_required
def draft(case_id: int) -> ResponseReturnValue:
    user = require_user()
    if attempt(lambda: commitments.draft_for_case(db(), user, case_id), flash_refusal=True):
        flash(_("The commitment has been drafted from the file: read it with the person and the care team."),
              "success")
    return redirect(url_for("commitments.show", case_id=case_id))


@bp.post("/cases/<int:case_id>/commitment/<int:commitment_id>/signatures")
@login_required
def sign(case_id: int, commitment_id: int) -> ResponseReturnValue:
    user = require_user()
    values = {name: request.form.get(name, "") for name in ("party", "signed_on", "signatory")}
    outcome = attempt(lambda: commitments.record_signature(
        db(), user, commitment_id, values["party"], values["signed_on"], values["signatory"],
        optional_int(request.form.get("version")), case_id=case_id))
    if outcome:
        flash(_("The signature has been recorded."), "success")
        return redirect(url_for("commitments.show", case_id=case_id))
    return _page(case_id, errors=outcome.errors, values=values, status=outcome.status)


@bp.post("/cases/<int:case_id>/commitment/<int:commitment_id>/signed-copy")
@login_required
def signed_copy(case_id: int, commitment_id: int) -> ResponseReturnValue:
    user = require_user()
    upload = request.files.get("file")
    if attempt(lambda: commitments.attach_signed_copy(
        db(), user, store(), commitment_id, filename=(upload.filename or "") if upload else "",
        data=upload.read() if upload else b"", expected_version=optional_int(request.form.get("version")),
        case_id=case_id,
    ), flash_refusal=True):
        flash(_("The signed copy has been kept with the file's documents."), "success")
    return redirect(url_for("commitments.show", case_id=case_id))


@bp.route("/cases/<int:case_id>/commitment/<int:commitment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int, commitment_id: int) -> ResponseReturnValue:
    user = require_user()
    case = cases.get_case(db(), user, case_id)
    policy.require(user, policy.Action.RECORD_COMMITMENT, case)
    summary = commitments.review_summary(db(), case_id)
    if summary is None or summary.commitment_id != commitment_id:
        raise NotFound()
    form = TextForm()
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.version.data = str(summary.version)
        for name in commitments.TEXT_FIELDS:
            form[name].data = getattr(summary, name)
    elif form.validate_on_submit():
        outcome = attempt(lambda: commitments.update_text(
            db(), user, commitment_id, commitments.CommitmentText(
                **{name: form[name].data or "" for name in commitments.TEXT_FIELDS}),
            optional_int(form.version.data) or -1, case_id=case_id), form)
        if outcome:
            flash(_("The commitment's text has been saved."), "success")
            return redirect(url_for("commitments.show", case_id=case_id))
        general = outcome.general
    return render_template("commitments/edit.html", case=case, form=form, general=general,
                           commitment=summary), page_status(form, outcome)


@bp.get("/cases/<int:case_id>/commitment.pdf")
@login_required
def pdf(case_id: int) -> ResponseReturnValue:
    sheet = commitments.sheet(db(), require_user(), case_id)
    return pdf_response(render_care_commitment(sheet), f"projet-de-soin-{sheet.reference}.pdf")
