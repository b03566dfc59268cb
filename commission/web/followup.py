"""A housed person's follow-up: the care plan and status, events, resource meetings; and the exit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from commission import clock, policy
from commission.errors import NotFound
from commission.models.followup import EventKind, ExitReason, FollowUpStatus, IncidentKind, PlaceCondition
from commission.services import cases, commitments, followup
from commission.web.forms import optional_int
from commission.web.labels import (
    EVENT_KIND_LABELS,
    EXIT_REASON_LABELS,
    FOLLOWUP_STATUS_LABELS,
    INCIDENT_KIND_LABELS,
    PLACE_CONDITION_LABELS,
)
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt, page_status
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

bp = Blueprint("followup", __name__)

ACTION_ROWS = 3  # blank action lines offered on a meeting's form


class CarePlanForm(FlaskForm):
    version = HiddenField()
    referring_psychiatrist = StringField(_l("Referring psychiatrist"), validators=[Length(max=200)])
    referring_nurse = StringField(_l("Referring nurse"), validators=[Length(max=200)])
    social_worker = StringField(_l("Social worker"), validators=[Length(max=200)])
    visit_every_days = StringField(_l("Home visits: every how many days"), render_kw={"inputmode": "numeric"})
    consultation_every_days = StringField(_l("Consultations with the psychiatrist: every how many days"),
                                          render_kw={"inputmode": "numeric"})
    activities = TextAreaField(_l("Therapeutic activities and their schedule"), render_kw={"rows": 4})
    status = SelectField(_l("How the tenancy goes"), choices=[], validate_choice=False)
    status_note = TextAreaField(_l("What the commission's review may read (no medical detail)"),
                                render_kw={"rows": 3})


class EventForm(FlaskForm):
    kind = SelectField(_l("What happened"), choices=[], validate_choice=False)
    occurred_on = StringField(_l("Date"), render_kw={"type": "date"})
    incident_kind = SelectField(_l("Kind of incident"), choices=[], validate_choice=False)
    serious = BooleanField(_l("Serious incident"))
    summary = TextAreaField(_l("What happened, in short"), render_kw={"rows": 3})
    action_taken = TextAreaField(_l("Action taken"), render_kw={"rows": 2})


class MeetingForm(FlaskForm):
    version = HiddenField()
    incident_id = SelectField(_l("The incident that calls it"), choices=[], validate_choice=False)
    meeting_date = StringField(_l("Date of the meeting"), render_kw={"type": "date"})
    attendees = TextAreaField(_l("Who attends (names and roles)"), render_kw={"rows": 3})
    person_included = BooleanField(_l("The person takes part"), default=True)
    held = BooleanField(_l("The meeting has taken place"))
    outcome = TextAreaField(_l("Outcome"), render_kw={"rows": 3})


class ExitForm(FlaskForm):
    version = HiddenField()
    reason = SelectField(_l("Reason for the exit"), choices=[], validate_choice=False)
    exit_date = StringField(_l("Date the place was handed back"), render_kw={"type": "date"})
    place_condition = SelectField(_l("State of the place"), choices=[], validate_choice=False)
    place_notes = TextAreaField(_l("Inventory of fixtures, in short"), render_kw={"rows": 3})
    note = TextAreaField(_l("Comment"), render_kw={"rows": 2})


def _choices(labels: Mapping[Any, object], blank: bool = True) -> list[tuple[str, str]]:
    head = [("", _("(choose)"))] if blank else []
    return head + [(key.value, str(label)) for key, label in labels.items()]


def _action_inputs() -> list[followup.ActionInput]:
    return [followup.ActionInput(description=request.form.get(f"action-{i}-description", ""),
                                 owner=request.form.get(f"action-{i}-owner", ""),
                                 due_date=request.form.get(f"action-{i}-due_date", ""))
            for i in range(ACTION_ROWS)]


def _event_form() -> EventForm:
    form = EventForm()
    form.kind.choices = _choices(EVENT_KIND_LABELS)
    form.incident_kind.choices = [("", _("(not an incident)")), *_choices(INCIDENT_KIND_LABELS, blank=False)]
    return form


def _page(case_id: int, *, event_form: EventForm | None = None, event_errors: list[str] | None = None,
          status: int = 200) -> ResponseReturnValue:
    user = require_user()
    record = followup.read_followup(db(), user, case_id)
    if event_form is None:
        event_form = _event_form()
        event_form.occurred_on.data = clock.today().isoformat()
    return render_template(
        "followup/show.html", f=record, case=record.case, event_form=event_form, event_errors=event_errors or [],
        can_record=policy.can(user, policy.Action.RECORD_FOLLOWUP, record.case)
        and CASE_MACHINE.means(record.case.state, Tag.FOLLOWED),
        can_exit=policy.can(user, policy.Action.RECORD_EXIT, record.case)
        and CASE_MACHINE.means(record.case.state, Tag.FOLLOWED),
        today=clock.today(), EventKind=EventKind, IncidentKind=IncidentKind,
        event_kind_labels=EVENT_KIND_LABELS, incident_kind_labels=INCIDENT_KIND_LABELS,
        commitment=commitments.review_summary(db(), case_id),
    ), status


@bp.get("/cases/<int:case_id>/followup")
@login_required
def show(case_id: int) -> ResponseReturnValue:
    return _page(case_id)


@bp.post("/cases/<int:case_id>/followup/events")
@login_required
def record_event(case_id: int) -> ResponseReturnValue:
    user = require_user()
    form = _event_form()
    general: list[str] = []
    outcome = None
    if form.validate_on_submit():
        outcome = attempt(lambda: followup.record_event(db(), user, case_id, followup.EventInput(
            kind=form.kind.data or "", occurred_on=form.occurred_on.data or "",
            summary=form.summary.data or "", action_taken=form.action_taken.data or "",
            incident_kind=form.incident_kind.data or "", serious=bool(form.serious.data),
        )), form)
        if outcome:
            flash(_("The follow-up event has been recorded."), "success")
            return redirect(url_for("followup.show", case_id=case_id) + "#events")
        general = outcome.general
    return _page(case_id, event_form=form, event_errors=general, status=page_status(form, outcome))


@bp.route("/cases/<int:case_id>/followup/plan", methods=["GET", "POST"])
@login_required
def plan(case_id: int) -> ResponseReturnValue:
    user = require_user()
    record = followup.read_followup(db(), user, case_id)
    policy.require(user, policy.Action.RECORD_FOLLOWUP, record.case)
    form = CarePlanForm()
    form.status.choices = _choices(FOLLOWUP_STATUS_LABELS, blank=False)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        case, care_plan = record.case, record.plan
        form.referring_psychiatrist.data = case.referring_psychiatrist
        form.referring_nurse.data = case.referring_nurse
        form.social_worker.data = case.social_worker
        if care_plan is not None:
            form.version.data = str(care_plan.version)
            form.visit_every_days.data = str(care_plan.visit_every_days or "")
            form.consultation_every_days.data = str(care_plan.consultation_every_days or "")
            form.activities.data = care_plan.activities
            form.status.data = care_plan.status.value
            form.status_note.data = care_plan.status_note
        else:
            form.status.data = FollowUpStatus.GOING_WELL.value
    elif form.validate_on_submit():
        outcome = attempt(lambda: followup.save_care_plan(db(), user, case_id, followup.CarePlanInput(
            **{name: form[name].data or "" for name in (
                "referring_psychiatrist", "referring_nurse", "social_worker", "visit_every_days",
                "consultation_every_days", "activities", "status", "status_note")},
            version=optional_int(form.version.data),
        )), form)
        if outcome:
            flash(_("The care plan has been saved."), "success")
            return redirect(url_for("followup.show", case_id=case_id))
        general = outcome.general
    status = page_status(form, outcome)
    return render_template("followup/plan.html", case=record.case, form=form, general=general), status


@bp.route("/cases/<int:case_id>/followup/meetings/new", methods=["GET", "POST"])
@login_required
def new_meeting(case_id: int) -> ResponseReturnValue:
    user = require_user()
    record = followup.read_followup(db(), user, case_id)
    policy.require(user, policy.Action.RECORD_FOLLOWUP, record.case)
    form = MeetingForm()
    form.incident_id.choices = [("", _("(none)"))] + [
        (str(event.id), f"{event.occurred_on.isoformat()} — {INCIDENT_KIND_LABELS[event.incident_kind]}")
        for event in record.events if event.incident_kind is not None
    ]
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.incident_id.data = request.args.get("incident", "")
    elif form.validate_on_submit():
        outcome = attempt(lambda: followup.call_meeting(db(), user, case_id, followup.MeetingInput(
            meeting_date=form.meeting_date.data or "", attendees=form.attendees.data or "",
            person_included=bool(form.person_included.data), incident_id=form.incident_id.data or "",
            held=bool(form.held.data), outcome=form.outcome.data or "", actions=_action_inputs(),
        )), form)
        if outcome:
            flash(_("The resource meeting has been recorded."), "success")
            return redirect(url_for("followup.show", case_id=case_id) + "#meetings")
        general = outcome.general
    status = page_status(form, outcome)
    return render_template("followup/meeting.html", case=record.case, form=form, general=general, meeting=None,
                           rows=range(ACTION_ROWS), values=request.form), status


@bp.route("/cases/<int:case_id>/followup/meetings/<int:meeting_id>", methods=["GET", "POST"])
@login_required
def meeting(case_id: int, meeting_id: int) -> ResponseReturnValue:
    user = require_user()
    record = followup.read_followup(db(), user, case_id)
    view = next((m for m in record.meetings if m.meeting.id == meeting_id), None)
    if view is None:
        raise NotFound()
    can_record = policy.can(user, policy.Action.RECORD_FOLLOWUP, record.case)
    form = MeetingForm()
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.version.data = str(view.meeting.version)
        form.attendees.data = view.meeting.attendees
        form.person_included.data = view.meeting.person_included
        form.outcome.data = view.meeting.outcome
    elif form.validate_on_submit():
        outcome = attempt(lambda: followup.record_meeting_outcome(
            db(), user, meeting_id, followup.MeetingInput(
                attendees=form.attendees.data or "", person_included=bool(form.person_included.data),
                outcome=form.outcome.data or "", actions=_action_inputs(),
                version=optional_int(form.version.data),
            ), case_id=case_id), form)
        if outcome:
            flash(_("The meeting's outcome has been recorded."), "success")
            return redirect(url_for("followup.show", case_id=case_id) + "#meetings")
        general = outcome.general
    status = page_status(form, outcome)
    return render_template("followup/meeting.html", case=record.case, form=form, general=general, meeting=view,
                           rows=range(ACTION_ROWS), values=request.form, can_record=can_record,
                           today=clock.today()), status


@bp.post("/cases/<int:case_id>/followup/actions/<int:action_id>/done")
@login_required
def action_done(case_id: int, action_id: int) -> ResponseReturnValue:
    user = require_user()
    outcome = attempt(lambda: followup.complete_action(db(), user, action_id, done_on=request.form.get("done_on", ""),
                                                       version=optional_int(request.form.get("version")),
                                                       case_id=case_id), flash_refusal=True)
    if (action := outcome.value) is not None:
        flash(_("The action has been marked as done."), "success")
        return redirect(url_for("followup.meeting", case_id=case_id, meeting_id=action.meeting_id))
    return redirect(url_for("followup.show", case_id=case_id) + "#meetings")


@bp.route("/cases/<int:case_id>/exit", methods=["GET", "POST"])
@login_required
def exit_(case_id: int) -> ResponseReturnValue:
    user = require_user()
    case = cases.get_case(db(), user, case_id)
    policy.require(user, policy.Action.RECORD_EXIT, case)
    form = ExitForm()
    form.reason.choices = _choices(EXIT_REASON_LABELS)
    form.place_condition.choices = _choices(PLACE_CONDITION_LABELS)
    general: list[str] = []
    outcome = None
    if not CASE_MACHINE.means(case.state, Tag.FOLLOWED):
        general = [_("Only a housed person's tenancy can end.")]
    elif request.method == "GET":
        form.version.data = str(case.version)
        form.exit_date.data = clock.today().isoformat()
    elif form.validate_on_submit():
        outcome = attempt(lambda: followup.record_exit(db(), user, case_id, followup.ExitInput(
            reason=form.reason.data or "", exit_date=form.exit_date.data or "",
            place_condition=form.place_condition.data or "", place_notes=form.place_notes.data or "",
            note=form.note.data or "", version=optional_int(form.version.data),
        )), form)
        if outcome:
            flash(_("The exit has been recorded: the place is vacated, the deposit's refund is claimed and the "
                    "file is closed."), "success")
            return redirect(url_for("cases.show", case_id=case_id))
        general = outcome.general
    status = 400 if outcome is None and general else page_status(form, outcome)
    return render_template("followup/exit.html", case=case, form=form, general=general,
                           can_submit=CASE_MACHINE.means(case.state, Tag.FOLLOWED),
                           reasons=ExitReason, conditions=PlaceCondition), status
