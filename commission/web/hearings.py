"""The hearings: planning, the agenda, the chair's session, the minutes, and their documents."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from commission import labels as tables
from commission import policy
from commission.documents.rendered import rendered_documents
from commission.errors import NotFound
from commission.models.hearings import HearingKind, ItemKind
from commission.parsing import as_page, as_whole
from commission.services import commitments, followup, hearing_documents, hearings, means, reference
from commission.services.sorting import Sort
from commission.storage import DocumentStore
from commission.web import hearing_day
from commission.web.forms import optional_int
from commission.web.labels import (
    ATTENDANCE_LABELS,
    DECISION_LABELS,
    HEARING_KIND_LABELS,
    ITEM_KIND_LABELS,
    REVIEW_OUTCOME_LABELS,
)
from commission.web.letters import pdf_response
from commission.web.shell import db, login_required, require_user, settings
from commission.web.unit import attempt, page_status
from commission.workflow.hearing import FORM_STEPS, HEARING_MACHINE
from commission.workflow.tags import Tag

bp = Blueprint("hearings", __name__)

KIND_LABELS = ITEM_KIND_LABELS
LabelKey = TypeVar("LabelKey")
# Who was told of a move, in words.
NOTICE_ROLE_LABELS = {"person": _l("The person"), "guardian": _l("Guardian"), "care_team": _l("Care team"),
                      "member": _l("Member invited")}


def _words(labels: Mapping[LabelKey, object]) -> dict[LabelKey, str]:
    """Labels in the reader's language, translated once for the page (a page of rows shows each many times)."""
    return {key: str(label) for key, label in labels.items()}


def store() -> DocumentStore:
    return DocumentStore(settings().instance_path / "documents")


def _version() -> int | None:
    return optional_int(request.form.get("version"))


def _act(hearing_id: int, action: Callable[[], object], done: str, anchor: str = "") -> ResponseReturnValue:
    """Run a service call from a form: success or the refusal is flashed, then back to the hearing (on the
    agenda's page the form was sent from, with its filter)."""
    if attempt(action, changed=_("This hearing changed meanwhile: the page has been reloaded, check and try again."),
               flash_refusal=True):
        flash(done, "success")
    return redirect(url_for("hearings.show", hearing_id=hearing_id, **_agenda_args(request.form)) + anchor)


def _agenda_args(values: Mapping[str, str]) -> dict[str, Any]:
    """The agenda's page and filter, as the hearing's page reads them and its links keep them."""
    page = as_page(values.get("page"))
    decision = hearings.agenda_filter(values.get("decision"))
    return {name: value for name, value in (("page", page if page > 1 else None), ("decision", decision))
            if value is not None}


class HearingForm(FlaskForm):
    kind = RadioField(_l("Kind of hearing"), default=HearingKind.ORDINARY.value, validate_choice=False, choices=[])
    purpose = TextAreaField(_l("Why this hearing is held outside the quarterly rhythm"))
    reason = TextAreaField(_l("Why the hearing moves"))
    day = StringField(_l("Date"), render_kw={"type": "date"})
    start_time = StringField(_l("Start time"), render_kw={"type": "time"})
    town_id = SelectField(_l("Host town"), choices=[], validate_choice=False)
    venue = StringField(_l("Room"))
    address = StringField(_l("Address"))
    chair_id = SelectField(_l("Chair (an elected official of the host town)"), choices=[], validate_choice=False)
    quorum = IntegerField(_l("Quorum: voting members present or represented"), validators=[Optional()])
    slot_minutes = IntegerField(_l("Minutes per person on the agenda"), validators=[Optional()])


def _fill_choices(form: HearingForm) -> None:
    form.kind.choices = [(kind.value, HEARING_KIND_LABELS[kind]) for kind in hearings.PLANNED_KINDS]
    form.town_id.choices = [(str(town.id), town.name) for town in reference.towns(db())]
    chairs = hearings.chairs(db())
    form.chair_id.choices = [("", _("To be chosen"))] + [
        (str(user.id), f"{user.display_name} — {user.town.name if user.town else ''}") for user in chairs
    ]


def _form_input(form: HearingForm) -> hearings.HearingInput:
    return hearings.HearingInput(
        day=form.day.data or "", start_time=form.start_time.data or "", town_id=form.town_id.data or "",
        venue=form.venue.data or "", address=form.address.data or "", chair_id=form.chair_id.data or "",
        quorum=str(form.quorum.data if form.quorum.data is not None else ""),
        slot_minutes=str(form.slot_minutes.data if form.slot_minutes.data is not None else ""),
        kind=form.kind.data or "", purpose=form.purpose.data or "", reason=form.reason.data or "",
    )


# ---------------------------------------------------------------- list and planning


@bp.get("/hearings")
@login_required
def index() -> ResponseReturnValue:
    user = require_user()
    state = request.args.get("state") or None
    if state is not None and state not in {spec.name for spec in HEARING_MACHINE.states}:
        state = None
    hearing_filter = hearings.HearingFilter(year=as_whole(request.args.get("year"), 2000, 2100), state=state)
    sort = Sort.read(request.args.get("sort"), hearings.HEARING_SORTS)
    page = hearings.hearing_page(db(), user, hearing_filter, page=as_page(request.args.get("page")), sort=sort)
    args = {name: value for name, value in (("year", hearing_filter.year), ("state", state)) if value is not None}
    this_year = date.today().year
    return render_template("hearings/index.html", page=page, machine=HEARING_MACHINE,
                           years=[this_year, this_year + 1], hearing_years=hearings.hearing_years(db(), user),
                           hearing_filter=hearing_filter, sort=sort, args=args)


@bp.post("/hearings/plan-year")
@login_required
def plan_year() -> ResponseReturnValue:
    user = require_user()
    year = optional_int(request.form.get("year"))
    if year is None or not 2000 <= year <= 2100:
        flash(_("Choose a year."), "error")
        return redirect(url_for("hearings.index"))
    outcome = attempt(lambda: hearings.plan_year(db(), user, year), flash_refusal=True)
    if (planned := outcome.value) is not None:
        flash(_("%(count)s hearings planned for %(year)s.", count=len(planned), year=year), "success")
    return redirect(url_for("hearings.index"))


@bp.route("/hearings/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_HEARINGS)
    form = HearingForm()
    _fill_choices(form)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        # the next quarter without its hearing (never a past one), unless a quarter is asked for
        year = as_whole(request.args.get("year"), 2000, 2100)
        quarter = as_whole(request.args.get("quarter"), 1, 4)
        kind = (HearingKind.EXTRAORDINARY if request.args.get("kind") == HearingKind.EXTRAORDINARY.value
                else HearingKind.ORDINARY)
        proposed = hearings.proposal(db(), user, year, quarter, kind=kind)
        form.process(data={**proposed.__dict__, "quorum": int(proposed.quorum),
                           "slot_minutes": int(proposed.slot_minutes)})
    elif form.validate_on_submit():
        outcome = attempt(lambda: hearings.plan_hearing(db(), user, _form_input(form)), form)
        if (hearing := outcome.value) is not None:
            flash(_("The hearing is planned."), "success")
            return redirect(url_for("hearings.show", hearing_id=hearing.id))
        general = outcome.general
    status = page_status(form, outcome)
    return render_template("hearings/form.html", form=form, hearing=None, general=general,
                           convoked=False), status


@bp.route("/hearings/<int:hearing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(hearing_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_HEARINGS)
    hearing = hearings.get_hearing(db(), user, hearing_id)
    form = HearingForm()
    _fill_choices(form)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        details = hearings.details_of(hearing)
        form.process(data={**details.__dict__, "quorum": hearing.quorum, "slot_minutes": hearing.slot_minutes})
    elif form.validate_on_submit():
        moves_before = len(hearings.moves(db(), user, hearing))
        outcome = attempt(lambda: hearings.update_hearing(db(), user, hearing_id, _form_input(form), _version()), form)
        if outcome:
            after = hearings.moves(db(), user, hearing)
            told = len(after) > moves_before and bool(after[0].notices)
            flash(_("The hearing has been moved: the new convocations and calendar invitations are ready for "
                    "everyone concerned.") if told else _("The hearing has been updated."), "success")
            return redirect(url_for("hearings.show", hearing_id=hearing_id))
        general = outcome.general
        hearing = hearings.get_hearing(db(), user, hearing_id)  # as it is after the rollback
    status = page_status(form, outcome)
    return render_template("hearings/form.html", form=form, hearing=hearing, general=general,
                           convoked=HEARING_MACHINE.means(hearing.state, Tag.CONVOKED)), status


# ---------------------------------------------------------------- one hearing


@bp.get("/hearings/<int:hearing_id>")
@login_required
def show(hearing_id: int) -> ResponseReturnValue:
    user = require_user()
    hearing = hearings.get_hearing(db(), user, hearing_id)
    if hearing.kind is HearingKind.WRITTEN:  # a written consultation has its own page, its answers and outcome
        return redirect(url_for("consultations.show", hearing_id=hearing_id))
    decision = hearings.agenda_filter(request.args.get("decision"))
    agenda = hearings.agenda_page(db(), hearing, as_page(request.args.get("page")), decision)
    counts = hearings.agenda_counts(db(), hearing)
    manage = policy.can(user, policy.Action.MANAGE_HEARINGS)
    agenda_open = HEARING_MACHINE.means(hearing.state, Tag.AGENDA_OPEN)
    found = hearings.candidates(db(), user, hearing) if manage and agenda_open else None
    # a move is taken from the hearing's form, with its new date, time or place: not a button here
    steps = [step for step in policy.steps_for(user, HEARING_MACHINE, hearing) if step.trigger not in FORM_STEPS]
    return render_template(
        "hearings/show.html", hearing=hearing, agenda=agenda, counts=counts, decision_filter=decision,
        agenda_filters=_agenda_filters(counts), machine=HEARING_MACHINE, steps=steps,
        moves=hearings.moves(db(), user, hearing), notice_roles=NOTICE_ROLE_LABELS,
        candidates=found, manage=manage, sees=lambda item: policy.sees_agenda_person(user, item.case),
        kind_labels=_words(KIND_LABELS), decision_labels=_words(DECISION_LABELS),
        run_session=policy.can(user, policy.Action.RUN_SESSION, hearing),
        history=hearings.transitions(db(), user, hearing), vacancies=hearings.vacancies(db()) if manage else [],
        full_minutes=policy.minutes_fields(user) == policy.FULL_MINUTES,
        minutes_status_labels=tables.MINUTES_STATUS_LABELS, means=means.for_items(db(), user, agenda.items),
    )


def _agenda_filters(counts: hearings.AgendaCounts) -> list[tuple[str | None, str]]:
    """The agenda's filters, each with its count: every item, those still to decide, those of each decision."""
    filters: list[tuple[str | None, str]] = [(None, _("All items (%(count)s)", count=counts.total))]
    if counts.undecided:
        filters.append((hearings.UNDECIDED, _("To be decided (%(count)s)", count=counts.undecided)))
    filters += [(decision.value, f"{DECISION_LABELS[decision]} ({count})")
                for decision, count in counts.by_decision.items()]
    return filters


@bp.post("/hearings/<int:hearing_id>/steps/<trigger>")
@login_required
def fire(hearing_id: int, trigger: str) -> ResponseReturnValue:
    user = require_user()
    if trigger not in HEARING_MACHINE.triggers():
        raise NotFound()
    reason = request.form.get("reason", "")
    if trigger == "sign_minutes":
        def action() -> object:
            return hearing_documents.sign_minutes(db(), user, store(), hearing_id, _version())
    else:
        def action() -> object:
            return hearings.fire_hearing(db(), user, hearing_id, trigger, expected_version=_version(), reason=reason)
    if HEARING_MACHINE.leads_to(trigger, Tag.SITTING):  # a session opened is run: on to it, or told why not
        if attempt(action, changed=_("This hearing changed meanwhile: the page has been reloaded, check and try "
                                     "again."), flash_refusal=True):
            flash(_("The session is open."), "success")
        return redirect(url_for("hearings.session_view", hearing_id=hearing_id))
    return _act(hearing_id, action, _("The step has been recorded."))


@bp.post("/hearings/<int:hearing_id>/agenda/build")
@login_required
def build_agenda(hearing_id: int) -> ResponseReturnValue:
    user = require_user()
    return _act(hearing_id, lambda: hearings.build_agenda(db(), user, hearing_id, _version()),
                _("The agenda has been built from the files waiting."), "#agenda")


@bp.post("/hearings/<int:hearing_id>/agenda/add")
@login_required
def add_item(hearing_id: int) -> ResponseReturnValue:
    user = require_user()
    case_id = optional_int(request.form.get("case_id"))
    if case_id is None:
        raise NotFound()
    review = request.form.get("kind") == ItemKind.REVIEW.value
    return _act(hearing_id, lambda: hearings.add_item(db(), user, hearing_id, case_id, review=review),
                _("The file is on the agenda."), "#agenda")


@bp.post("/hearings/<int:hearing_id>/agenda/<int:item_id>/move")
@login_required
def move_item(hearing_id: int, item_id: int) -> ResponseReturnValue:
    user = require_user()
    offset = -1 if request.form.get("direction") == "up" else 1
    return _act(hearing_id, lambda: hearings.move_item(db(), user, hearing_id, item_id, offset),
                _("The agenda has been reordered."), "#agenda")


@bp.post("/hearings/<int:hearing_id>/agenda/<int:item_id>/remove")
@login_required
def remove_item(hearing_id: int, item_id: int) -> ResponseReturnValue:
    user = require_user()
    reason = request.form.get("reason", "")
    return _act(hearing_id, lambda: hearings.remove_item(db(), user, hearing_id, item_id, reason),
                _("The file has been taken off the agenda."), "#agenda")


# ---------------------------------------------------------------- the session


@bp.route("/hearings/<int:hearing_id>/session", methods=["GET", "POST"])
@login_required
def session_view(hearing_id: int) -> ResponseReturnValue:
    """The chair's session, tablet first: the roll call, then the items one at a time; its next step leads."""
    user = require_user()
    hearing = hearings.get_hearing(db(), user, hearing_id)
    policy.require(user, policy.Action.RUN_SESSION, hearing)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if request.form.get("everyone") == "present":
            def action() -> object:
                return hearings.everyone_present(db(), user, hearing_id)
        else:
            entries = [hearings.AttendanceInput(attendance.id, request.form.get(f"status-{attendance.id}", ""),
                                                request.form.get(f"represented_by-{attendance.id}", ""))
                       for attendance in hearing.attendances]

            def action() -> object:
                return hearings.set_attendance(db(), user, hearing_id, entries)
        outcome = attempt(action)
        if outcome.status != 400:  # recorded, or refused (a step, a change meanwhile): back to the session
            if outcome:
                flash(_("The attendance has been recorded."), "success")
            else:
                flash(" ".join(outcome.general), "error")
            return redirect(url_for("hearings.session_view", hearing_id=hearing_id))
        errors, status = outcome.errors, outcome.status
        hearing = hearings.get_hearing(db(), user, hearing_id)  # as it is after the rollback
    return render_template(
        "hearings/session.html", hearing=hearing, quorum=hearings.quorum(hearing),
        status_choices=list(ATTENDANCE_LABELS.items()), errors=errors, decision_labels=_words(DECISION_LABELS),
        kind_labels=_words(KIND_LABELS), machine=HEARING_MACHINE,
        **hearing_day.session_page(user, hearing, request.args.get("page")),
    ), status


@bp.post("/hearings/<int:hearing_id>/session/attendees")
@login_required
def add_attendee(hearing_id: int) -> ResponseReturnValue:
    user = require_user()
    if attempt(lambda: hearings.add_attendee(db(), user, hearing_id, request.form.get("name", ""),
                                             request.form.get("capacity", ""), request.form.get("votes") == "y",
                                             request.form.get("status", "present")), flash_refusal=True):
        flash(_("The attendee has been added."), "success")
    return redirect(url_for("hearings.session_view", hearing_id=hearing_id) + "#attendance")


@bp.route("/hearings/<int:hearing_id>/session/items/<int:item_id>", methods=["GET", "POST"])
@login_required
def item_view(hearing_id: int, item_id: int) -> ResponseReturnValue:
    """One item of the session: the file in brief, its time slot, and the decision form, whose parts follow the
    decision chosen (session.js; every part shows without script)."""
    user = require_user()
    hearing = hearings.get_hearing(db(), user, hearing_id)
    policy.require(user, policy.Action.RUN_SESSION, hearing)
    item = hearings.agenda_item(db(), hearing, item_id)
    errors: dict[str, list[str]] = {}
    status = 200
    form = request.form
    if request.method == "POST":
        data = hearing_day.decision_input(form, hearing)
        outcome = attempt(lambda: hearings.decide_item(db(), user, hearing_id, item_id, data))
        if outcome:
            flash(_("The decision has been recorded."), "success")
            following = hearings.next_undecided(db(), item)
            if following is not None:
                return redirect(url_for("hearings.item_view", hearing_id=hearing_id, item_id=following))
            return redirect(url_for("hearings.session_view", hearing_id=hearing_id))
        errors, status = outcome.errors, outcome.status
        hearing = hearings.get_hearing(db(), user, hearing_id)  # as it is after the rollback
        item = hearings.agenda_item(db(), hearing, item_id)
    review = (followup.review_summaries(db(), [item.case_id], hearing.day).get(item.case_id)
              if item.kind is ItemKind.REVIEW else None)
    around = hearings.neighbours(db(), item)
    return render_template(
        "hearings/item.html", hearing=hearing, item=item, around=around,
        items_page=hearings.page_of(around.rank), count=around.count,
        errors={name: messages for name, messages in errors.items() if name}, general=errors.get("", []),
        form_values=form, quorum=hearings.quorum(hearing), decision_labels=DECISION_LABELS,
        kind_labels=KIND_LABELS, review=review, review_outcomes=REVIEW_OUTCOME_LABELS,
        commitment=commitments.review_summary(db(), item.case_id) if review is not None else None,
        **hearing_day.item_page(user, hearing, item, form, errors),
    ), status


# ---------------------------------------------------------------- minutes


@bp.route("/hearings/<int:hearing_id>/minutes", methods=["GET", "POST"])
@login_required
def minutes(hearing_id: int) -> ResponseReturnValue:
    user = require_user()
    hearing = hearings.get_hearing(db(), user, hearing_id)
    policy.require(user, policy.Action.EDIT_MINUTES, hearing)
    current = hearings.current_minutes(hearing)
    if current is None:
        raise NotFound()
    if request.method == "POST":
        rows = hearings.items(db(), hearing)
        notes = {row.id: request.form.get(f"note-{row.id}", row.minutes_note) for row in rows}
        if attempt(lambda: hearings.update_minutes(db(), user, hearing_id, remarks=request.form.get("remarks", ""),
                                                   movements=request.form.get("movements", ""), notes=notes,
                                                   expected_version=_version()),
                   changed=_("The minutes changed meanwhile: the page has been reloaded, check and try again."),
                   flash_refusal=True):
            flash(_("The draft minutes have been saved."), "success")
        return redirect(url_for("hearings.minutes", hearing_id=hearing_id))
    return render_template("hearings/minutes.html", hearing=hearing, minutes=current,
                           items=hearings.items(db(), hearing), decision_labels=DECISION_LABELS)


@bp.get("/hearings/<int:hearing_id>/minutes.pdf")
@login_required
def minutes_pdf(hearing_id: int) -> ResponseReturnValue:
    user = require_user()
    redacted = request.args.get("redacted") == "1"
    record, data = hearing_documents.minutes_pdf(db(), user, store(), hearing_id,
                                                 number=optional_int(request.args.get("version")), redacted=redacted,
                                                 kept=rendered_documents(settings().instance_path))
    hearing = record.hearing
    fields = policy.minutes_fields(user, redacted=redacted)
    suffix = "" if fields == policy.FULL_MINUTES else "-diffusable" if fields == policy.REDACTED_MINUTES else "-extrait"
    return pdf_response(data, f"proces-verbal-{hearing.reference}-v{record.number}{suffix}.pdf")


@bp.get("/hearings/<int:hearing_id>/agenda.pdf")
@login_required
def agenda_pdf(hearing_id: int) -> ResponseReturnValue:
    user = require_user()
    hearing = hearings.get_hearing(db(), user, hearing_id)
    data = hearing_documents.agenda_pdf(db(), user, hearing, kept=rendered_documents(settings().instance_path))
    return pdf_response(data, f"ordre-du-jour-{hearing.reference}.pdf")


@bp.get("/hearings/<int:hearing_id>/convocations.pdf")
@login_required
def convocations_pdf(hearing_id: int) -> ResponseReturnValue:
    from commission.documents.letters import render_letters

    user = require_user()
    hearing = hearings.get_hearing(db(), user, hearing_id)
    letters = hearing_documents.convocation_letters(db(), user, hearing)
    if not letters:
        flash(_("No convocation to send: the agenda has no application."), "error")
        return redirect(url_for("hearings.show", hearing_id=hearing_id))
    return pdf_response(render_letters(letters), f"convocations-{hearing.reference}.pdf")


@bp.get("/hearings/<int:hearing_id>/invitations.zip")
@login_required
def invitations_zip(hearing_id: int) -> ResponseReturnValue:
    from commission.documents.calendar import invitation_ics

    user = require_user()
    hearing = hearings.get_hearing(db(), user, hearing_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, invitation in hearing_documents.invitations(db(), user, hearing):
            archive.writestr(name, invitation_ics(invitation))
    response = Response(buffer.getvalue(), mimetype="application/zip")
    response.headers.set("Content-Disposition", "attachment", filename=f"invitations-{hearing.reference}.zip")
    return response


@bp.get("/hearings/<int:hearing_id>/moves/<int:move_id>/letters.pdf")
@login_required
def move_letters_pdf(hearing_id: int, move_id: int) -> ResponseReturnValue:
    """The new convocations of a move: dated the day of the move, saying the hearing was moved."""
    from commission.documents.letters import render_letters

    user = require_user()
    hearing = hearings.get_hearing(db(), user, hearing_id)
    move = hearings.get_move(db(), user, hearing, move_id)
    letters = hearing_documents.convocation_letters(db(), user, hearing, move=move)
    if not letters:
        flash(_("No convocation to send: the agenda has no application."), "error")
        return redirect(url_for("hearings.show", hearing_id=hearing_id))
    return pdf_response(render_letters(letters), f"convocations-{hearing.reference}-report-{move.id}.pdf")
