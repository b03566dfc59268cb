"""Case files: the care team's list, the application form, the file, its steps, documents and medical part."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FileField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import Length, Optional

from commission import clock, policy
from commission import labels as tables
from commission.i18n import Message
from commission.models.accounts import User
from commission.models.cases import Case
from commission.parsing import as_page, as_whole, collect, parse_date
from commission.services import cases, means, reference
from commission.services.letters import register
from commission.services.sorting import Sort
from commission.storage import DocumentStore
from commission.web.forms import optional_int
from commission.web.i18n import render_message
from commission.web.labels import DOCUMENT_LABELS, HOUSING_LABELS, PLACE_KIND_LABELS, PROTECTION_LABELS
from commission.web.shell import db, login_required, require_user, settings
from commission.web.unit import attempt, page_status
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Screen, Tag

bp = Blueprint("cases", __name__)

WAITING_CHOICES = [("", _l("Any")), ("3", _l("More than 3 months")), ("6", _l("More than 6 months")),
                   ("12", _l("More than a year"))]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CaseForm(FlaskForm):
    version = HiddenField()
    care_team_id = SelectField(_l("Care team filing the application"), choices=[], validate_choice=False)
    first_name = StringField(_l("First name"), validators=[Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Length(max=100)])
    birth_date = StringField(_l("Birth date"), render_kw={"type": "date"})
    phone = StringField(_l("Telephone"), validators=[Length(max=40)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    notice_by_email = BooleanField(_l("Agrees to be told by e-mail that a letter is waiting for them"))
    address = StringField(_l("Postal address"), validators=[Length(max=300)])
    protection_measure = SelectField(_l("Legal protection"), choices=[], validate_choice=False)
    guardian_first_name = StringField(_l("Guardian's first name"), validators=[Length(max=100)])
    guardian_last_name = StringField(_l("Guardian's last name"), validators=[Length(max=100)])
    guardian_phone = StringField(_l("Guardian's telephone"), validators=[Length(max=40)])
    guardian_email = EmailField(_l("Guardian's e-mail"), validators=[Optional(), Length(max=200)])
    guardian_address = TextAreaField(_l("Guardian's postal address (the letters' copies go there)"),
                                     validators=[Length(max=300)])
    housing_situation = SelectField(_l("Current housing situation"), choices=[], validate_choice=False)
    housing_details = TextAreaField(_l("Details of the housing situation"))
    monthly_resources = StringField(_l("Monthly resources for the rent (euros)"), render_kw={"inputmode": "decimal"})
    housing_allowance = StringField(_l("Housing allowance (euros a month, optional)"),
                                    render_kw={"inputmode": "decimal"})
    resources_details = TextAreaField(_l("Kind of resources (allowance, salary, housing benefit...)"))
    referring_psychiatrist = StringField(_l("Referring psychiatrist"), validators=[Length(max=200)])
    referring_nurse = StringField(_l("Referring nurse"), validators=[Length(max=200)])
    social_worker = StringField(_l("Social worker"), validators=[Length(max=200)])
    requested_kind = SelectField(_l("Kind of place asked for"), choices=[], validate_choice=False)
    wished_town_ids = MultiCheckboxField(_l("Towns wished"), choices=[], validate_choice=False)
    needs_ground_floor = BooleanField(_l("Needs a ground floor"))
    needs_accessible = BooleanField(_l("Needs a place accessible to reduced mobility"))
    needs_details = TextAreaField(_l("Other needs"))
    project = TextAreaField(_l("Care and reintegration project"), render_kw={"rows": 6})
    consent_given = BooleanField(_l("The person consents to their file being presented to the commission"))
    consent_date = StringField(_l("Date of the consent"), render_kw={"type": "date"})


def _fill_case_choices(form: CaseForm) -> None:
    towns, teams = reference.towns(db()), reference.care_teams(db())
    none = [("", _("(choose)"))]
    form.care_team_id.choices = none + [(str(team.id), team.name) for team in teams]
    form.protection_measure.choices = [(m.value, str(label)) for m, label in PROTECTION_LABELS.items()]
    form.housing_situation.choices = none + [(s.value, str(label)) for s, label in HOUSING_LABELS.items()]
    form.requested_kind.choices = none + [(k.value, str(label)) for k, label in PLACE_KIND_LABELS.items()]
    form.wished_town_ids.choices = [(str(town.id), town.name) for town in towns]


def _case_input(form: CaseForm) -> cases.CaseInput:
    return cases.CaseInput(
        **{name: (form[name].data or "") for name in (
            "first_name", "last_name", "birth_date", "phone", "email", "address", "protection_measure",
            "guardian_first_name", "guardian_last_name", "guardian_phone", "guardian_email", "guardian_address",
            "housing_situation", "housing_details", "monthly_resources", "housing_allowance", "resources_details",
            "referring_psychiatrist", "referring_nurse", "social_worker",
            "requested_kind", "needs_details", "project", "consent_date",
            "care_team_id",
        )},
        wished_town_ids=list(form.wished_town_ids.data or []),
        needs_ground_floor=bool(form.needs_ground_floor.data),
        needs_accessible=bool(form.needs_accessible.data),
        consent_given=bool(form.consent_given.data),
        notice_by_email=bool(form.notice_by_email.data),
    )


def _load_form(form: CaseForm, case: Case) -> None:
    applicant, guardian = case.applicant, case.applicant.guardian
    form.version.data = str(case.version)
    form.care_team_id.data = str(case.care_team_id)
    for name in ("first_name", "last_name", "phone", "email", "address"):
        form[name].data = getattr(applicant, name)
    form.birth_date.data = applicant.birth_date.isoformat()
    form.notice_by_email.data = applicant.notice_by_email
    form.protection_measure.data = applicant.protection_measure.value
    if guardian is not None:
        form.guardian_first_name.data = guardian.first_name
        form.guardian_last_name.data = guardian.last_name
        form.guardian_phone.data = guardian.phone
        form.guardian_email.data = guardian.email
        form.guardian_address.data = guardian.address
    for name in ("housing_details", "resources_details", "referring_psychiatrist", "referring_nurse",
                 "social_worker", "needs_details", "project", "needs_ground_floor", "needs_accessible",
                 "consent_given"):
        form[name].data = getattr(case, name)
    form.housing_situation.data = case.housing_situation.value if case.housing_situation else ""
    form.requested_kind.data = case.requested_kind.value if case.requested_kind else ""
    for name, amount in (("monthly_resources", case.monthly_resources_cents),
                         ("housing_allowance", case.housing_allowance_cents)):
        if amount is not None:
            euros, cents = divmod(amount, 100)
            form[name].data = f"{euros},{cents:02d}"
    form.wished_town_ids.data = [str(town.id) for town in case.wished_towns]
    form.consent_date.data = case.consent_date.isoformat() if case.consent_date else ""


def store() -> DocumentStore:
    return DocumentStore(settings().instance_path / "documents")


# ---------------------------------------------------------------- pages


MAX_WAITING_MONTHS = 1200  # a filter past a century of waiting is ignored, not turned into an overflow


@bp.get("/cases")
@login_required
def index() -> ResponseReturnValue:
    user = require_user()
    state = request.args.get("state") or None
    if state is not None and state not in {s.name for s in CASE_MACHINE.states}:
        state = None
    all_cases = policy.can(user, policy.Action.VIEW_ALL_CASES)
    case_filter = cases.CaseFilter(
        state=state,
        care_team_id=optional_int(request.args.get("team")) if all_cases else None,
        town_id=optional_int(request.args.get("town")),
        waiting_months=as_whole(request.args.get("waiting"), 1, MAX_WAITING_MONTHS),
        query=(request.args.get("q") or "").strip()[:100] or None,
    )
    sort = Sort.read(request.args.get("sort"), cases.CASE_SORTS)
    page = cases.list_cases(db(), user, case_filter, page=as_page(request.args.get("page")), sort=sort)
    towns, teams = reference.towns(db()), reference.care_teams(db())
    # The filters chosen, kept by the column headers' links and, with the order, by the pager's.
    args = {name: value for name, value in (("state", case_filter.state), ("team", case_filter.care_team_id),
                                            ("town", case_filter.town_id), ("waiting", case_filter.waiting_months),
                                            ("q", case_filter.query))
            if value is not None}
    return render_template(
        "cases/index.html", page=page, case_filter=case_filter, towns=towns, teams=teams, all_cases=all_cases,
        waiting_choices=WAITING_CHOICES, machine=CASE_MACHINE, sort=sort, args=args, awaits=cases.awaits,
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.CREATE_CASE)
    form = CaseForm()
    _fill_case_choices(form)
    general: list[str] = []
    outcome = None
    if form.validate_on_submit():
        outcome = attempt(lambda: cases.create_case(db(), user, _case_input(form)), form)
        if (case := outcome.value) is not None:
            flash(_("The draft file %(reference)s has been created.", reference=case.reference), "success")
            return redirect(url_for("cases.show", case_id=case.id))
        general = outcome.general
    return render_template("cases/form.html", form=form, general=general, case=None,
                           choose_team=not policy.team_is_own(user)), page_status(form, outcome)


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int) -> ResponseReturnValue:
    user = require_user()
    case = cases.get_case(db(), user, case_id)
    policy.require(user, policy.Action.EDIT_CASE, case)
    form = CaseForm()
    _fill_case_choices(form)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        _load_form(form, case)
    elif form.validate_on_submit():
        outcome = attempt(lambda: cases.update_case(db(), user, case_id, _case_input(form),
                                                    expected_version=optional_int(form.version.data) or -1), form)
        if outcome:
            flash(_("The file has been saved."), "success")
            return redirect(url_for("cases.show", case_id=case_id))
        general = outcome.general  # the rollback expired ``case``: the page shows it as it is now
    return render_template("cases/form.html", form=form, general=general, case=case, choose_team=False), \
        page_status(form, outcome)


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int) -> ResponseReturnValue:
    user = require_user()
    case = cases.open_case(db(), user, case_id)
    # The steps taken from the file's own page: the hearing's are taken at the hearing, the close at the exit.
    steps = policy.steps_for(user, CASE_MACHINE, case, Screen.RECORD)
    return render_template(
        "cases/show.html", case=case, steps=steps, machine=CASE_MACHINE,
        timeline=cases.timeline(db(), user, case), documents=cases.list_documents(db(), user, case),
        document_labels=DOCUMENT_LABELS, housing_labels=HOUSING_LABELS,
        can_edit=CASE_MACHINE.means(case.state, Tag.EDITABLE) and policy.can(user, policy.Action.EDIT_CASE, case),
        can_attach=policy.can(user, policy.Action.ATTACH_DOCUMENT, case),
        can_attach_medical=policy.can(user, policy.Action.EDIT_MEDICAL, case),
        can_read_medical=policy.can(user, policy.Action.VIEW_MEDICAL, case),
        can_read_followup=CASE_MACHINE.means(case.state, Tag.TENANCY) and case.move_in_date is not None
        and policy.can(user, policy.Action.VIEW_FOLLOWUP, case),
        can_exit=CASE_MACHINE.means(case.state, Tag.FOLLOWED) and policy.can(user, policy.Action.RECORD_EXIT, case),
        access_log=cases.access_log(db(), user, case) if policy.can(user, policy.Action.VIEW_ALL_CASES) else None,
        standing=cases.standing(db(), user, case), means=means.for_case(db(), user, case),
        letters=register.letters_of_case(db(), user, case), letter_labels=tables,
        **_orientation_section(user, case),
    )


def _orientation_section(user: User, case: Case) -> dict[str, object]:
    """The file page's orientations, for whoever may orient the person (none for an anonymised file)."""
    from commission.services import orientations
    from commission.web.orientations import STEP_LABELS
    from commission.workflow.orientation import ORIENTATION_MACHINE

    if not policy.can(user, policy.Action.ORIENT, case) or case.applicant.anonymised_at is not None:
        return {"orientations": None}
    return {"orientations": orientations.orientations_of_case(db(), user, case.id),
            "orientation_machine": ORIENTATION_MACHINE, "orientation_step_labels": STEP_LABELS,
            "orient_first": CASE_MACHINE.means(case.state, Tag.ENDED), "today": clock.today()}


@bp.post("/cases/<int:case_id>/steps/<trigger>")
@login_required
def fire(case_id: int, trigger: str) -> ResponseReturnValue:
    user = require_user()
    step = CASE_MACHINE.find(trigger, cases.get_case(db(), user, case_id).state)
    if step is not None and step.screen is Screen.HEARING:
        flash(_("This step is taken at a hearing, from its agenda and its session."), "error")
        return redirect(url_for("cases.show", case_id=case_id))
    values: dict[str, object] = {}
    errors: list[str] = []
    for field in ("hearing_date", "move_in_date", "lease_start", "lease_end"):
        raw = request.form.get(field)
        if raw is not None and (raw or field not in ("lease_start", "lease_end")):
            refusals: dict[str, list[Message]] = {}
            parsed = collect(refusals, parse_date, raw, field)
            if parsed is None:
                errors.extend(render_message(message) for message in refusals[field])
            else:
                values[field] = parsed
    lease_kind = request.form.get("lease_kind")
    if lease_kind is not None:
        if lease_kind not in ("direct", "sublease", "occupancy"):
            errors.append(_("Choose the kind of lease."))
        values["lease_kind"] = lease_kind
    if errors:
        for error in errors:
            flash(error, "error")
    elif attempt(lambda: cases.fire_case(
        db(), user, case_id, trigger, expected_version=optional_int(request.form.get("version")) or -1,
        reason=request.form.get("reason", ""), comment=request.form.get("comment", ""), values=values,
    ), flash_refusal=True):
        flash(_("The step has been recorded."), "success")
    return redirect(url_for("cases.show", case_id=case_id))


class MedicalForm(FlaskForm):
    diagnosis_summary = TextAreaField(_l("Clinical summary"), render_kw={"rows": 4})
    treatment = TextAreaField(_l("Treatment"), render_kw={"rows": 3})
    hospitalisations = TextAreaField(_l("Hospitalisations"), render_kw={"rows": 3})
    psychiatrist_opinion = TextAreaField(_l("Referring psychiatrist's opinion"), render_kw={"rows": 4})


@bp.route("/cases/<int:case_id>/medical", methods=["GET", "POST"])
@login_required
def medical(case_id: int) -> ResponseReturnValue:
    user = require_user()
    form = MedicalForm()
    if form.validate_on_submit():
        cases.update_medical(db(), user, case_id, cases.MedicalInput(
            diagnosis_summary=form.diagnosis_summary.data or "", treatment=form.treatment.data or "",
            hospitalisations=form.hospitalisations.data or "",
            psychiatrist_opinion=form.psychiatrist_opinion.data or "",
        ))
        flash(_("The medical part has been saved."), "success")
        return redirect(url_for("cases.medical", case_id=case_id))
    record = cases.read_medical(db(), user, case_id)
    case = cases.get_case(db(), user, case_id)
    if request.method == "GET":
        form.process(obj=record)
    can_edit = policy.can(user, policy.Action.EDIT_MEDICAL, case)
    return render_template("cases/medical.html", case=case, medical=record, form=form, can_edit=can_edit)


class DocumentForm(FlaskForm):
    file = FileField(_l("File (PDF, PNG or JPEG)"))
    kind = SelectField(_l("Kind of document"), choices=[], validate_choice=False)
    medical = BooleanField(_l("Belongs to the medical part"))


@bp.post("/cases/<int:case_id>/documents")
@login_required
def upload(case_id: int) -> ResponseReturnValue:
    user = require_user()
    form = DocumentForm()
    if form.validate_on_submit():
        upload_file = request.files.get("file")
        if attempt(lambda: cases.attach_document(
            db(), user, store(), case_id, filename=(upload_file.filename or "") if upload_file else "",
            data=upload_file.read() if upload_file else b"", kind=form.kind.data or "",
            medical=bool(form.medical.data),
        ), flash_refusal=True):
            flash(_("The document has been attached."), "success")
    return redirect(url_for("cases.show", case_id=case_id) + "#documents")


@bp.get("/cases/<int:case_id>/documents/<int:document_id>")
@login_required
def document(case_id: int, document_id: int) -> ResponseReturnValue:
    record, data = cases.open_document(db(), require_user(), store(), case_id, document_id)
    response = Response(data, mimetype=record.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=record.filename)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/workflow")
@login_required
def workflow() -> ResponseReturnValue:
    from commission.workflow.diagram import to_svg

    policy.require(require_user(), policy.Action.VIEW_WORKFLOW)
    return render_template("cases/workflow.html", machine=CASE_MACHINE, diagram=to_svg(CASE_MACHINE, _))
