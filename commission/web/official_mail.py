"""The housing sub-group's register of official correspondence: the list, a letter's page with its documents and
its answer, the form to register or correct a letter."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from commission import clock, policy
from commission.models.official_mail import MailDirection
from commission.parsing import as_id, as_page
from commission.services.subgroup import official_mail as register
from commission.storage import DocumentStore
from commission.web.forms import optional_int
from commission.web.labels import lazy
from commission.web.shell import db, login_required, require_user, settings
from commission.web.unit import attempt, page_again, page_status

bp = Blueprint("official_mail", __name__, url_prefix="/subgroup/mail")

DIRECTION_LABELS = lazy(register.DIRECTION_LABELS)
KIND_LABELS = lazy(register.KIND_LABELS)
FIELDS = ("direction", "correspondent", "correspondent_kind", "organisation_id", "agreement_id", "place_id",
          "subject", "summary", "dated_on", "registered_on", "handler_id", "answer_due", "answers")


def store() -> DocumentStore:
    return DocumentStore(settings().instance_path / "documents")


class MailForm(FlaskForm):
    direction = HiddenField()
    answers = HiddenField()
    correspondent = StringField(_l("Correspondent"))
    correspondent_kind = SelectField(_l("Kind of correspondent"), choices=[], validate_choice=False)
    subject = StringField(_l("Subject"))
    summary = TextAreaField(_l("Summary (optional)"), render_kw={"rows": 4})
    dated_on = StringField(_l("Date of the letter"), render_kw={"type": "date"})
    registered_on = StringField(_l("Date received"), render_kw={"type": "date"})
    answer_due = StringField(_l("Answer due by (optional)"), render_kw={"type": "date"})
    handler_id = SelectField(_l("Handled by"), choices=[], validate_choice=False)
    organisation_id = SelectField(_l("Partner concerned"), choices=[], validate_choice=False)
    agreement_id = SelectField(_l("Agreement concerned"), choices=[], validate_choice=False)
    place_id = SelectField(_l("Place concerned"), choices=[], validate_choice=False)


def _fill_choices(form: MailForm, direction: MailDirection, current: Any = None) -> None:
    choices = register.mail_choices(db(), require_user(), current)
    form.correspondent_kind.choices = [("", _("(choose)"))] + [
        (kind.value, str(label)) for kind, label in KIND_LABELS.items()]
    form.handler_id.choices = [("", _("Nobody yet"))] + [(str(user.id), user.display_name) for user in choices.handlers]
    form.organisation_id.choices = [("", _("None"))] + [(str(org.id), org.name) for org in choices.partners]
    form.agreement_id.choices = [("", _("None"))] + [
        (str(agreement.id), f"{agreement.reference} — {agreement.title}") for agreement in choices.agreements]
    form.place_id.choices = [("", _("None"))] + [
        (str(place.id), f"{place.reference} — {place.address}") for place in choices.places]
    if direction is MailDirection.OUTGOING:
        form.registered_on.label.text = _("Date sent")
        form.correspondent.label.text = _("Sent to")
    else:
        form.correspondent.label.text = _("From")


def _input(form: MailForm) -> register.MailInput:
    return register.MailInput(**{name: form[name].data or "" for name in FIELDS})


def _direction(value: object) -> MailDirection:
    return MailDirection.OUTGOING if value == MailDirection.OUTGOING.value else MailDirection.INCOMING


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    user = require_user()
    raw = request.args.get("direction")
    direction = next((member for member in MailDirection if member.value == raw), None)
    year = optional_int(request.args.get("year"))
    mail_filter = register.MailFilter(direction=direction, awaiting=request.args.get("awaiting") == "1",
                                      year=year if year is not None and 1800 <= year <= 2199 else None,
                                      text=(request.args.get("q") or "").strip()[:100])
    page = register.list_mail(db(), user, mail_filter, page=as_page(request.args.get("page")))
    return render_template("official_mail/index.html", page=page, mail_filter=mail_filter,
                           years=register.mail_years(db(), user), direction_labels=DIRECTION_LABELS,
                           may_record=policy.can(user, policy.Action.RECORD_SUBGROUP), today=clock.today())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.RECORD_SUBGROUP)
    form = MailForm()
    answered = None
    if request.method == "GET":
        answered = register.answerable(db(), user, as_id(request.args.get("answers")))
        if answered is not None:
            data = register.MailInput.answering(answered, clock.today())
        else:
            data = register.MailInput(direction=_direction(request.args.get("direction")).value)
        form.process(data=data.__dict__)
    else:
        answered = register.answerable(db(), user, as_id(form.answers.data))
    direction = _direction(form.direction.data)
    _fill_choices(form, direction)
    general: list[str] = []
    outcome = None
    if request.method == "POST" and form.validate_on_submit():
        outcome = attempt(lambda: register.register_mail(db(), user, _input(form)), form)
        if (mail := outcome.value) is not None:
            flash(_("The letter has been registered as %(number)s.", number=mail.number), "success")
            return redirect(url_for("official_mail.show", mail_id=mail.id))
        general = outcome.general
    return render_template("official_mail/form.html", form=form, mail=None, direction=direction,
                           answered=answered, general=general), page_status(form, outcome)


@bp.route("/<int:mail_id>/edit", methods=["GET", "POST"])
@login_required
def edit(mail_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.RECORD_SUBGROUP)
    mail = register.get_mail(db(), user, mail_id)
    form = MailForm()
    _fill_choices(form, mail.direction, mail)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data=register.MailInput.of(mail).__dict__)
    elif form.validate_on_submit():
        outcome = attempt(lambda: register.update_mail(db(), user, mail_id, _input(form),
                                                       optional_int(request.form.get("version")) or -1), form,
                          changed=_("This letter changed meanwhile: reload the page to see the change, then edit "
                                    "again."))
        if outcome:
            flash(_("The letter has been saved."), "success")
            return redirect(url_for("official_mail.show", mail_id=mail_id))
        general = outcome.general
        mail = register.get_mail(db(), user, mail_id)  # as it is after the rollback
    return render_template("official_mail/form.html", form=form, mail=mail, direction=mail.direction,
                           answered=None, general=general), page_status(form, outcome)


def _show(mail_id: int, *, status: int = 200, errors: dict[str, list[str]] | None = None,
          general: list[str] | None = None) -> ResponseReturnValue:
    user = require_user()
    view = register.mail_view(db(), user, mail_id)
    return render_template(
        "official_mail/show.html", view=view, mail=view.mail, direction_labels=DIRECTION_LABELS,
        kind_labels=KIND_LABELS, errors=errors or {}, general=general or [], today=clock.today(),
        typed=request.form if request.method == "POST" else {},
    ), status


@bp.get("/<int:mail_id>")
@login_required
def show(mail_id: int) -> ResponseReturnValue:
    return _show(mail_id)


@bp.post("/<int:mail_id>/answer")
@login_required
def answer(mail_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.RECORD_SUBGROUP)
    outcome = attempt(lambda: register.record_answer(
        db(), user, mail_id, request.form.get("answered_on", ""), request.form.get("answer_note", ""),
        expected_version=optional_int(request.form.get("version")) or -1))
    if not outcome:
        return page_again(partial(_show, mail_id), outcome)
    flash(_("The answer has been recorded."), "success")
    return redirect(url_for("official_mail.show", mail_id=mail_id))


@bp.post("/<int:mail_id>/documents")
@login_required
def upload(mail_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.RECORD_SUBGROUP)
    upload_file = request.files.get("file")
    if attempt(lambda: register.attach_document(
            db(), user, store(), mail_id, (upload_file.filename or "") if upload_file else "",
            upload_file.read() if upload_file else b""), flash_refusal=True):
        flash(_("The document has been attached."), "success")
    return redirect(url_for("official_mail.show", mail_id=mail_id) + "#documents")


@bp.get("/<int:mail_id>/documents/<int:document_id>")
@login_required
def document(mail_id: int, document_id: int) -> ResponseReturnValue:
    record, data = register.open_document(db(), require_user(), store(), mail_id, document_id)
    response = Response(data, mimetype=record.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=record.filename)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
