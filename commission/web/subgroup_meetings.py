"""The housing sub-group's members and meetings: who sits in it (accounts and members without one), its meetings
with their notes and attendance, and the actions agreed there followed until done."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SelectMultipleField, StringField, TextAreaField, widgets

from commission import clock, policy
from commission.services.subgroup import meetings as meeting_service
from commission.services.subgroup import members as member_service
from commission.web.forms import optional_int
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt, page_again, page_status

bp = Blueprint("subgroup_meetings", __name__, url_prefix="/subgroup")


# ---------------------------------------------------------------- members


class MemberForm(FlaskForm):
    name = StringField(_l("Name"))
    capacity = StringField(_l("Capacity"))
    town_id = SelectField(_l("Town represented, if any"), choices=[], validate_choice=False)
    organisation_id = SelectField(_l("Organisation represented, if any"), choices=[], validate_choice=False)
    email = EmailField(_l("E-mail"))
    phone = StringField(_l("Telephone"))
    joined_on = StringField(_l("Joined on"), render_kw={"type": "date"})


def _fill_member_choices(form: MemberForm, member: Any = None) -> None:
    towns, organisations = member_service.member_choices(db())
    if member is not None and member.organisation is not None and member.organisation not in organisations:
        organisations.append(member.organisation)
    form.town_id.choices = [("", _("None"))] + [(str(town.id), town.name) for town in towns]
    form.organisation_id.choices = [("", _("None"))] + [(str(org.id), org.name) for org in organisations]


def _member_input(form: MemberForm) -> member_service.MemberInput:
    return member_service.MemberInput(**{name: form[name].data or "" for name in (
        "name", "capacity", "town_id", "organisation_id", "email", "phone", "joined_on")})


@bp.get("/members")
@login_required
def members() -> ResponseReturnValue:
    user = require_user()
    seats = member_service.membership(db(), user)
    return render_template("subgroup_meetings/members.html", seats=seats,
                           former=member_service.former_members(db(), user),
                           manage=policy.can(user, policy.Action.MANAGE_SUBGROUP),
                           manage_users=policy.can(user, policy.Action.MANAGE_USERS), today=clock.today())


@bp.route("/members/new", methods=["GET", "POST"])
@login_required
def new_member() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_SUBGROUP)
    form = MemberForm()
    _fill_member_choices(form)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data={**member_service.MemberInput().__dict__, "joined_on": clock.today().isoformat()})
    elif form.validate_on_submit():
        outcome = attempt(lambda: member_service.add_member(db(), user, _member_input(form)), form)
        if (member := outcome.value) is not None:
            flash(_("%(name)s now sits in the housing sub-group.", name=member.name), "success")
            return redirect(url_for("subgroup_meetings.members"))
        general = outcome.general
    return render_template("subgroup_meetings/member_form.html", form=form, member=None, general=general), \
        page_status(form, outcome)


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit_member(member_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_SUBGROUP)
    member = member_service.get_member(db(), user, member_id)
    if member.left_on is not None:
        flash(_("This member has left the sub-group; what is known of them is kept as it was."), "error")
        return redirect(url_for("subgroup_meetings.members"))
    form = MemberForm()
    _fill_member_choices(form, member)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data=member_service.MemberInput.of(member).__dict__)
    elif form.validate_on_submit():
        outcome = attempt(lambda: member_service.update_member(
            db(), user, member_id, _member_input(form), optional_int(request.form.get("version")) or -1), form,
            changed=_("This member's record changed meanwhile: reload the page to see the change, then edit again."))
        if outcome:
            flash(_("The member's record has been saved."), "success")
            return redirect(url_for("subgroup_meetings.members"))
        general = outcome.general
        member = member_service.get_member(db(), user, member_id)  # as it is after the rollback
    return render_template("subgroup_meetings/member_form.html", form=form, member=member, general=general), \
        page_status(form, outcome)


@bp.post("/members/<int:member_id>/leave")
@login_required
def member_leave(member_id: int) -> ResponseReturnValue:
    user = require_user()
    outcome = attempt(lambda: member_service.member_leaves(
        db(), user, member_id, request.form.get("left_on", ""), optional_int(request.form.get("version")) or -1),
        flash_refusal=True)
    if (member := outcome.value) is not None:
        flash(_("%(name)s has left the housing sub-group.", name=member.name), "success")
    return redirect(url_for("subgroup_meetings.members"))


# ---------------------------------------------------------------- meetings


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class MeetingForm(FlaskForm):
    held_on = StringField(_l("Date"), render_kw={"type": "date"})
    starts_at = StringField(_l("Time (optional)"), render_kw={"type": "time"})
    location = StringField(_l("Place"))
    agenda = TextAreaField(_l("Agenda"), render_kw={"rows": 5})
    attendees = MultiCheckboxField(_l("Who attended"), choices=[], validate_choice=False)
    notes = TextAreaField(_l("Notes of the meeting"), render_kw={"rows": 10})


def _meeting_form(meeting: Any = None) -> MeetingForm:
    form = MeetingForm()
    form.attendees.choices = [(seat.key, seat.name) for seat in meeting_service.attendance_choices(db(), meeting)]
    return form


def _meeting_input(form: MeetingForm) -> meeting_service.MeetingInput:
    return meeting_service.MeetingInput(
        held_on=form.held_on.data or "", starts_at=form.starts_at.data or "", location=form.location.data or "",
        agenda=form.agenda.data or "", notes=form.notes.data or "", attendees=list(form.attendees.data or []))


@bp.get("/meetings")
@login_required
def meetings() -> ResponseReturnValue:
    user = require_user()
    today = clock.today()
    listing = meeting_service.list_meetings(db(), user, today)
    return render_template("subgroup_meetings/meetings.html", listing=listing,
                           actions=meeting_service.open_actions(db(), user, today),
                           record=policy.can(user, policy.Action.RECORD_SUBGROUP), today=today)


@bp.route("/meetings/new", methods=["GET", "POST"])
@login_required
def new_meeting() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.RECORD_SUBGROUP)
    form = _meeting_form()
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data={"held_on": "", "starts_at": "", "location": "", "agenda": "", "notes": "",
                           "attendees": []})
    elif form.validate_on_submit():
        outcome = attempt(lambda: meeting_service.plan_meeting(db(), user, _meeting_input(form)), form)
        if (meeting := outcome.value) is not None:
            flash(_("The meeting has been recorded."), "success")
            return redirect(url_for("subgroup_meetings.meeting", meeting_id=meeting.id))
        general = outcome.general
    return render_template("subgroup_meetings/meeting_form.html", form=form, meeting=None, general=general,
                           today=clock.today()), page_status(form, outcome)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit_meeting(meeting_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.RECORD_SUBGROUP)
    meeting = meeting_service.get_meeting(db(), user, meeting_id)
    form = _meeting_form(meeting)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data=meeting_service.MeetingInput.of(meeting).__dict__)
    elif form.validate_on_submit():
        outcome = attempt(lambda: meeting_service.update_meeting(
            db(), user, meeting_id, _meeting_input(form), optional_int(request.form.get("version")) or -1), form,
            changed=_("This meeting changed meanwhile: reload the page to see the change, then edit again."))
        if outcome:
            flash(_("The meeting has been saved."), "success")
            return redirect(url_for("subgroup_meetings.meeting", meeting_id=meeting_id))
        general = outcome.general
        meeting = meeting_service.get_meeting(db(), user, meeting_id)  # as it is after the rollback
    return render_template("subgroup_meetings/meeting_form.html", form=form, meeting=meeting, general=general,
                           today=clock.today()), page_status(form, outcome)


def _meeting_page(meeting_id: int, *, status: int = 200, errors: dict[str, list[str]] | None = None,
                  general: list[str] | None = None, suffix: str | None = None) -> ResponseReturnValue:
    """The meeting's page; with a refused form (``suffix``: the suffix its fields' ids carry), the values typed kept
    and the errors placed under its fields."""
    typed: dict[str, str] = {}
    if suffix is not None:
        typed = {f"{name}{suffix}": value for name, value in request.form.items() if name != "csrf_token"}
        errors = {f"{name}{suffix}" if name else "": messages for name, messages in (errors or {}).items()}
        general = [*(general or []), *errors.pop("", [])]
    user = require_user()
    today = clock.today()
    view = meeting_service.meeting_view(db(), user, meeting_id, today)
    return render_template("subgroup_meetings/meeting.html", view=view, meeting=view.meeting,
                           record=policy.can(user, policy.Action.RECORD_SUBGROUP), errors=errors or {},
                           general=general or [], typed=typed or {}, today=today), status


@bp.get("/meetings/<int:meeting_id>")
@login_required
def meeting(meeting_id: int) -> ResponseReturnValue:
    return _meeting_page(meeting_id)


@bp.post("/meetings/<int:meeting_id>/actions")
@login_required
def add_action(meeting_id: int) -> ResponseReturnValue:
    user = require_user()
    form = request.form
    outcome = attempt(lambda: meeting_service.add_action(db(), user, meeting_id, form.get("description", ""),
                                                         form.get("owner", ""), form.get("due_on", "")))
    if not outcome:
        return page_again(partial(_meeting_page, meeting_id, suffix="-new"), outcome)
    flash(_("The action has been recorded."), "success")
    return redirect(url_for("subgroup_meetings.meeting", meeting_id=meeting_id) + "#actions-title")


@bp.post("/actions/<int:action_id>/done")
@login_required
def action_done(action_id: int) -> ResponseReturnValue:
    user = require_user()
    meeting_id = meeting_service.get_action(db(), user, action_id).meeting_id
    form = request.form
    outcome = attempt(lambda: meeting_service.complete_action(
        db(), user, action_id, form.get("done_on", ""), form.get("outcome", ""),
        optional_int(form.get("version")) or -1))
    if not outcome:
        return page_again(partial(_meeting_page, meeting_id, suffix=f"-{action_id}"), outcome)
    flash(_("The action is marked as done."), "success")
    return redirect(url_for("subgroup_meetings.meeting", meeting_id=meeting_id) + "#actions-title")
