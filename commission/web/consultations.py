"""Written consultations between hearings: the coordinator puts an urgent file to the members and records the
outcome; each member reads the proposal (initials, team, request; never the medical part) and answers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from commission import labels as tables
from commission import policy
from commission.services import consultations, hearings
from commission.web.forms import optional_int
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt, page_status
from commission.workflow.hearing import HEARING_MACHINE

bp = Blueprint("consultations", __name__)

CHANGED = _l("This consultation changed meanwhile: the page has been reloaded, check and try again.")


class ConsultationForm(FlaskForm):
    case_id = SelectField(_l("The urgent file"), choices=[], validate_choice=False)
    purpose = TextAreaField(_l("Why the file cannot wait for the next hearing"))
    proposal = RadioField(_l("What is proposed"), choices=[], validate_choice=False)
    place_id = SelectField(_l("The vacant place proposed"), choices=[], validate_choice=False)
    grounds = TextAreaField(_l("The reason for the proposal"))
    deadline_day = StringField(_l("Answers by (date)"), render_kw={"type": "date"})
    deadline_time = StringField(_l("Answers by (time)"), render_kw={"type": "time"})
    quorum = IntegerField(_l("Quorum: answers needed"), validators=[Optional()])


class AnswerForm(FlaskForm):
    choice = RadioField(_l("Your answer"), choices=[], validate_choice=False)
    comment = TextAreaField(_l("Comment (optional)"))


def _fill_choices(form: ConsultationForm) -> None:
    user = require_user()
    form.case_id.choices = [("", _("Choose the file"))] + [
        (str(case.id), f"{case.reference} — {case.applicant.full_name}")
        for case in consultations.consultable_cases(db(), user)]
    form.proposal.choices = [(decision.value, _(label)) for decision, label in consultations.PROPOSALS.items()]
    form.place_id.choices = [("", _("No place: the waiting list"))] + [
        (str(place.id), f"{place.reference} — {_(tables.PLACE_KIND_LABELS[place.kind])}, {place.town.name}")
        for place, soon in hearings.vacancies(db()) if not soon]


@bp.get("/consultations")
@login_required
def index() -> ResponseReturnValue:
    user = require_user()
    rows = consultations.list_consultations(db(), user)
    return render_template("consultations/index.html", rows=rows, machine=HEARING_MACHINE,
                           manage=policy.can(user, policy.Action.MANAGE_HEARINGS))


@bp.route("/consultations/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_HEARINGS)
    form = ConsultationForm()
    _fill_choices(form)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        proposed = consultations.proposed_input(db(), user)
        form.process(data={**proposed.__dict__, "quorum": int(proposed.quorum)})
    elif form.validate_on_submit():
        data = consultations.ConsultationInput(
            case_id=form.case_id.data or "", proposal=form.proposal.data or "", place_id=form.place_id.data or "",
            grounds=form.grounds.data or "", purpose=form.purpose.data or "",
            deadline_day=form.deadline_day.data or "", deadline_time=form.deadline_time.data or "",
            quorum=str(form.quorum.data if form.quorum.data is not None else ""))
        outcome = attempt(lambda: consultations.open_consultation(db(), user, data), form)
        if (hearing := outcome.value) is not None:
            flash(_("The proposal is put to the members."), "success")
            return redirect(url_for("consultations.show", hearing_id=hearing.id))
        general = outcome.general
    return render_template("consultations/form.html", form=form, general=general), page_status(form, outcome)


@bp.get("/consultations/<int:hearing_id>")
@login_required
def show(hearing_id: int) -> ResponseReturnValue:
    user = require_user()
    view = consultations.read(db(), user, hearing_id)
    form = AnswerForm()
    form.choice.choices = [(choice.value, _(label)) for choice, label in consultations.ANSWER_LABELS.items()]
    return _page(view, form)


def _page(view: consultations.ConsultationView, form: AnswerForm, general: list[str] | None = None,
          status: int = 200) -> ResponseReturnValue:
    return render_template(
        "consultations/show.html", view=view, hearing=view.hearing, machine=HEARING_MACHINE, form=form,
        general=general or [], answer_labels=consultations.ANSWER_LABELS, proposals=consultations.PROPOSALS,
        decision_labels=tables.DECISION_LABELS, place_kinds=tables.PLACE_KIND_LABELS,
        outcome=consultations.outcome_trigger(view.tally),
    ), status


@bp.post("/consultations/<int:hearing_id>/answer")
@login_required
def answer(hearing_id: int) -> ResponseReturnValue:
    user = require_user()
    form = AnswerForm()
    form.choice.choices = [(choice.value, _(label)) for choice, label in consultations.ANSWER_LABELS.items()]
    if not form.validate_on_submit():
        view = consultations.read(db(), user, hearing_id)
        return _page(view, form, status=400)
    outcome = attempt(lambda: consultations.answer(db(), user, hearing_id, form.choice.data or "",
                                                   form.comment.data or ""), form)
    if outcome:
        flash(_("Your answer has been recorded."), "success")
        return redirect(url_for("consultations.show", hearing_id=hearing_id))
    if outcome.status == 409:
        for text in outcome.general:
            flash(text, "error")
        return redirect(url_for("consultations.show", hearing_id=hearing_id))
    return _page(consultations.read(db(), user, hearing_id), form, outcome.general, outcome.status)


@bp.post("/consultations/<int:hearing_id>/conclude")
@login_required
def conclude(hearing_id: int) -> ResponseReturnValue:
    user = require_user()
    version = optional_int(request.form.get("version"))
    if attempt(lambda: consultations.conclude(db(), user, hearing_id, expected_version=version), changed=str(CHANGED),
               flash_refusal=True):
        flash(_("The outcome has been recorded."), "success")
    return redirect(url_for("consultations.show", hearing_id=hearing_id))


@bp.post("/consultations/<int:hearing_id>/end")
@login_required
def end(hearing_id: int) -> ResponseReturnValue:
    user = require_user()
    version = optional_int(request.form.get("version"))
    reason = request.form.get("reason", "")
    if attempt(lambda: consultations.end(db(), user, hearing_id, reason, expected_version=version),
               changed=str(CHANGED), flash_refusal=True):
        flash(_("The consultation has ended."), "success")
    return redirect(url_for("consultations.show", hearing_id=hearing_id))
