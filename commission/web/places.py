"""The stock of places: the list, one place's page with its life and its steps, the coordinator's forms,
the vacancies; and the reference data (towns, partners, care teams), read-only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField

from commission import clock, policy
from commission.errors import NotFound
from commission.i18n import N_
from commission.models.housing import PlaceKind
from commission.parsing import as_page
from commission.services import reference, stock
from commission.services.integrations import notices as integration_notices
from commission.services.sorting import Sort
from commission.web.forms import optional_int
from commission.web.labels import LEASE_LABELS, PLACE_KIND_LABELS
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt, page_status
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Screen

bp = Blueprint("places", __name__)

# The steps a place's history shows: the machine's, and its entry into the stock.
STEP_LABELS = {"create": N_("Added to the stock"),
               **{t.trigger: t.label for t in (*PLACE_MACHINE.transitions, *PLACE_MACHINE.imports)}}


class PlaceForm(FlaskForm):
    version = HiddenField()
    reference = StringField(_l("Reference"))
    kind = SelectField(_l("Kind of place"), choices=[], validate_choice=False)
    town_id = SelectField(_l("Town"), choices=[], validate_choice=False)
    address = StringField(_l("Address"))
    organisation_id = SelectField(_l("Landlord or structure"), choices=[], validate_choice=False)
    agreement_id = SelectField(_l("Agreement covering it"), choices=[], validate_choice=False)
    rooms = StringField(_l("Main rooms (0 for a room in a shared structure)"), render_kw={"inputmode": "numeric"})
    surface_m2 = StringField(_l("Living area (m²)"), render_kw={"inputmode": "numeric"})
    floor = StringField(_l("Floor (0 for the ground floor)"), render_kw={"inputmode": "numeric"})
    accessible = BooleanField(_l("Accessible to reduced mobility"))
    rent = StringField(_l("Monthly rent (euros)"), render_kw={"inputmode": "decimal"})
    charges = StringField(_l("Monthly charges (euros)"), render_kw={"inputmode": "decimal"})
    deposit = StringField(_l("Deposit paid by the council (euros)"), render_kw={"inputmode": "decimal"})


FORM_FIELDS = ("reference", "kind", "town_id", "address", "organisation_id", "agreement_id", "rooms", "surface_m2",
               "floor", "rent", "charges", "deposit")


def _fill_choices(form: PlaceForm, organisation_id: int | None = None, agreement_id: int | None = None) -> None:
    none = [("", _("(choose)"))]
    form.kind.choices = none + [(kind.value, str(label)) for kind, label in PLACE_KIND_LABELS.items()]
    form.town_id.choices = none + [(str(town.id), town.name) for town in reference.towns(db())]
    form.organisation_id.choices = none + [
        (str(org.id), org.name) for org in stock.stock_partners(db(), include=organisation_id)]
    form.agreement_id.choices = [("", _("None"))] + [
        (str(agreement.id), f"{agreement.reference} — {agreement.organisation.name}")
        for agreement in stock.agreements_in_force(db(), include=agreement_id)]


def _place_input(form: PlaceForm) -> stock.PlaceInput:
    return stock.PlaceInput(**{name: form[name].data or "" for name in FORM_FIELDS},
                            accessible=bool(form.accessible.data))


@bp.get("/places")
@login_required
def index() -> ResponseReturnValue:
    user = require_user()
    kind_value = request.args.get("kind", "")
    kind = next((k for k in PlaceKind if k.value == kind_value), None)
    town_id = optional_int(request.args.get("town"))
    sort = Sort.read(request.args.get("sort"), reference.PLACE_SORTS)
    places = reference.list_places(db(), user, reference.PlaceFilter(kind=kind, town_id=town_id),
                                   page=as_page(request.args.get("page")), sort=sort)
    towns = reference.towns(db())
    args = {name: value for name, value in (("kind", kind.value if kind else None), ("town", town_id))
            if value is not None}
    return render_template(
        "places/index.html", places=places, kinds=list(PlaceKind), towns=towns,
        selected_kind=kind, selected_town=town_id, machine=PLACE_MACHINE,
        manage=policy.can(user, policy.Action.MANAGE_STOCK), sort=sort, args=args,
    )


def _show(place_id: int, *, status: int = 200, general: list[str] | None = None,
          step_errors: dict[str, dict[str, list[str]]] | None = None) -> ResponseReturnValue:
    user = require_user()
    view = stock.place_view(db(), user, place_id)
    return render_template(
        "places/show.html", view=view, place=view.place, machine=PLACE_MACHINE, step_labels=STEP_LABELS,
        manage=policy.can(user, policy.Action.MANAGE_STOCK, view.place), general=general or [],
        step_errors=step_errors or {}, typed=request.form if request.method == "POST" else {},
        stayed_after_end=stock.stayed_after_end(db(), view.place),
        lease_labels=LEASE_LABELS,
        # a landlord's notices sent through the integration API, waiting for the coordinator
        notices_waiting=(integration_notices.waiting(db(), user, view.place.id)
                         if policy.can(user, policy.Action.MANAGE_STOCK, view.place) else []),
    ), status


@bp.get("/places/<int:place_id>")
@login_required
def show(place_id: int) -> ResponseReturnValue:
    return _show(place_id)


@bp.post("/places/<int:place_id>/steps/<trigger>")
@login_required
def fire(place_id: int, trigger: str) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_STOCK)
    if trigger not in PLACE_MACHINE.on_screen(Screen.RECORD):
        raise NotFound()
    outcome = attempt(lambda: stock.take_place_step(
        db(), user, place_id, trigger, expected_version=optional_int(request.form.get("version")) or -1,
        reason=request.form.get("reason", ""), inventory=request.form.get("inventory", ""), today=clock.today(),
    ), changed=_("This place changed meanwhile: check what it shows now and try again."))
    if outcome.status == 400:
        return _show(place_id, status=400, step_errors={trigger: outcome.errors})
    if not outcome:
        return _show(place_id, status=outcome.status, general=outcome.general)
    flash(_("The step has been recorded."), "success")
    return redirect(url_for("places.show", place_id=place_id))


@bp.route("/places/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_STOCK)
    form = PlaceForm()
    _fill_choices(form)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data={**stock.PlaceInput().__dict__, "organisation_id": request.args.get("organisation", ""),
                           "agreement_id": request.args.get("agreement", "")})
    elif form.validate_on_submit():
        outcome = attempt(lambda: stock.create_place(db(), user, _place_input(form), today=clock.today()), form)
        if (place := outcome.value) is not None:
            flash(_("The place %(reference)s is in the stock.", reference=place.reference), "success")
            return redirect(url_for("places.show", place_id=place.id))
        general = outcome.general
    return render_template("stock/place_form.html", form=form, place=None, general=general), \
        page_status(form, outcome)


@bp.route("/places/<int:place_id>/edit", methods=["GET", "POST"])
@login_required
def edit(place_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_STOCK)
    place = reference.get_place(db(), user, place_id)
    form = PlaceForm()
    _fill_choices(form, place.organisation_id, place.agreement_id)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data={**stock.PlaceInput.of(place).__dict__, "version": str(place.version)})
    elif form.validate_on_submit():
        outcome = attempt(
            lambda: stock.update_place(db(), user, place_id, _place_input(form), optional_int(form.version.data) or -1),
            form, changed=_("This place changed meanwhile: reload the page to see the change, then edit again."))
        if outcome:
            flash(_("The place has been saved."), "success")
            return redirect(url_for("places.show", place_id=place_id))
        general = outcome.general
        place = reference.get_place(db(), user, place_id)  # as it is after the rollback
    return render_template("stock/place_form.html", form=form, place=place, general=general), \
        page_status(form, outcome)


@bp.get("/places/vacancies")
@login_required
def vacancies() -> ResponseReturnValue:
    kind = next((k for k in PlaceKind if k.value == request.args.get("kind")), None)
    town_id = optional_int(request.args.get("town"))
    sort = Sort.read(request.args.get("sort"), stock.VACANCY_SORTS)
    report = stock.vacancy_durations(db(), require_user(), clock.today(),
                                     stock.VacancyFilter(kind=kind, town_id=town_id), sort=sort)
    args = {name: value for name, value in (("kind", kind.value if kind else None), ("town", town_id))
            if value is not None}
    return render_template("stock/vacancies.html", report=report, kinds=list(PlaceKind),
                           towns=reference.towns(db()), selected_kind=kind, selected_town=town_id, sort=sort,
                           args=args)


@bp.get("/reference", endpoint="reference")
@login_required
def reference_page() -> ResponseReturnValue:
    data = reference.reference_data(db(), require_user())
    return render_template("places/reference.html", data=data)
