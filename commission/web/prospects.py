"""The housing sub-group's search for new partners: the prospects, each followed step by step to a signed
agreement, and the diagram of the steps."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField

from commission import clock, policy
from commission.errors import NotFound
from commission.services import reference, stock
from commission.services.subgroup import prospects
from commission.web.forms import optional_int
from commission.web.labels import ORGANISATION_KIND_LABELS, PLACE_KIND_LABELS, RENEWAL_LABELS
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt, page_again, page_status
from commission.workflow.prospect import PROSPECT_MACHINE, SIGN
from commission.workflow.tags import Tag

bp = Blueprint("prospects", __name__, url_prefix="/subgroup/prospects")

# The steps a timeline shows, by their trigger; the first line is the prospect's recording.
STEP_LABELS = {t.trigger: t.label for t in PROSPECT_MACHINE.transitions}


class ProspectForm(FlaskForm):
    version = HiddenField()
    name = StringField(_l("Name of the structure or landlord"))
    kind = SelectField(_l("Kind of partner"), choices=[], validate_choice=False)
    town_id = SelectField(_l("Town, if a member town"), choices=[], validate_choice=False)
    organisation_id = SelectField(_l("Already a partner"), choices=[], validate_choice=False)
    contact_name = StringField(_l("Contact person"))
    contact_role = StringField(_l("Their position"))
    phone = StringField(_l("Telephone"))
    email = EmailField(_l("E-mail"))
    places_announced = StringField(_l("Places it could bring"), render_kw={"inputmode": "numeric"})
    place_kind = SelectField(_l("Kind of places"), choices=[], validate_choice=False)
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 4})
    next_action = StringField(_l("Next action"))
    next_action_due = StringField(_l("Next action due by"), render_kw={"type": "date"})
    follower_id = SelectField(_l("Followed by"), choices=[], validate_choice=False)


FORM_FIELDS = ("name", "kind", "town_id", "organisation_id", "contact_name", "contact_role", "phone", "email",
               "places_announced", "place_kind", "notes", "next_action", "next_action_due", "follower_id")


def _fill_choices(form: ProspectForm, organisation_id: int | None = None, follower_id: int | None = None) -> None:
    form.kind.choices = [(kind.value, str(ORGANISATION_KIND_LABELS[kind])) for kind in stock.STOCK_PARTNER_KINDS]
    form.town_id.choices = [("", _("Outside the member towns"))] + [
        (str(town.id), town.name) for town in reference.towns(db())]
    form.organisation_id.choices = [("", _("Not yet: created at the signing"))] + [
        (str(org.id), org.name) for org in stock.stock_partners(db(), include=organisation_id)]
    form.place_kind.choices = [("", _("Not known yet"))] + [
        (kind.value, str(label)) for kind, label in PLACE_KIND_LABELS.items()]
    form.follower_id.choices = [(str(user.id), user.display_name)
                                for user in prospects.followers(db(), include=follower_id)]


def _input(form: ProspectForm) -> prospects.ProspectInput:
    return prospects.ProspectInput(**{name: form[name].data or "" for name in FORM_FIELDS})


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    user = require_user()
    rows = prospects.list_prospects(db(), user)
    by_state = {state.name: [row for row in rows if row.state == state.name] for state in PROSPECT_MACHINE.states}
    return render_template("prospects/index.html", rows=rows, by_state=by_state, machine=PROSPECT_MACHINE,
                           record=policy.can(user, policy.Action.RECORD_SUBGROUP), today=clock.today(),
                           kind_labels=ORGANISATION_KIND_LABELS)


@bp.get("/diagram")
@login_required
def diagram() -> ResponseReturnValue:
    from commission.workflow.diagram import to_svg

    policy.require(require_user(), policy.Action.VIEW_SUBGROUP)
    return render_template("prospects/diagram.html", machine=PROSPECT_MACHINE,
                           diagram=to_svg(PROSPECT_MACHINE, _))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.RECORD_SUBGROUP)
    form = ProspectForm()
    _fill_choices(form, follower_id=user.id)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data={**prospects.ProspectInput().__dict__, "follower_id": str(user.id)})
    elif form.validate_on_submit():
        outcome = attempt(lambda: prospects.create_prospect(db(), user, _input(form)), form)
        if (prospect := outcome.value) is not None:
            flash(_("The prospect %(name)s has been recorded.", name=prospect.name), "success")
            return redirect(url_for("prospects.show", prospect_id=prospect.id))
        general = outcome.general
    return render_template("prospects/form.html", form=form, prospect=None, general=general), \
        page_status(form, outcome)


@bp.route("/<int:prospect_id>/edit", methods=["GET", "POST"])
@login_required
def edit(prospect_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.RECORD_SUBGROUP)
    prospect = prospects.get_prospect(db(), user, prospect_id)
    form = ProspectForm()
    _fill_choices(form, prospect.organisation_id, prospect.follower_id)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data={**prospects.ProspectInput.of(prospect).__dict__, "version": str(prospect.version)})
    elif form.validate_on_submit():
        outcome = attempt(lambda: prospects.update_prospect(db(), user, prospect_id, _input(form),
                                                            optional_int(form.version.data) or -1), form)
        if outcome:
            flash(_("The prospect has been saved."), "success")
            return redirect(url_for("prospects.show", prospect_id=prospect_id))
        general = outcome.general
        prospect = prospects.get_prospect(db(), user, prospect_id)  # as it is after the rollback
    return render_template("prospects/form.html", form=form, prospect=prospect, general=general,
                           signed=PROSPECT_MACHINE.means(prospect.state, Tag.CONCLUDED)), page_status(form, outcome)


def _show(prospect_id: int, *, status: int = 200, general: list[str] | None = None,
          errors: dict[str, list[str]] | None = None, step: str = "") -> ResponseReturnValue:
    """The prospect's page; a refused step's fields' errors (``errors``) are shown under that step's form."""
    user = require_user()
    view = prospects.prospect_view(db(), user, prospect_id)
    return render_template(
        "prospects/show.html", view=view, prospect=view.prospect, machine=PROSPECT_MACHINE, step_labels=STEP_LABELS,
        general=general or [], step_errors={step: errors} if errors else {}, sign=SIGN,
        typed=request.form if request.method == "POST" else {}, today=clock.today(),
        kind_labels=ORGANISATION_KIND_LABELS, place_kind_labels=PLACE_KIND_LABELS, renewal_labels=RENEWAL_LABELS,
        manage_stock=policy.can(user, policy.Action.MANAGE_STOCK),
    ), status


@bp.get("/<int:prospect_id>")
@login_required
def show(prospect_id: int) -> ResponseReturnValue:
    return _show(prospect_id)


@bp.post("/<int:prospect_id>/steps/<trigger>")
@login_required
def step(prospect_id: int, trigger: str) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.RECORD_SUBGROUP)
    if trigger not in PROSPECT_MACHINE.triggers() or trigger == SIGN:
        raise NotFound()
    form = request.form
    outcome = attempt(lambda: prospects.take_step(
        db(), user, prospect_id, trigger, on=form.get("on", ""), note=form.get("note", ""),
        next_action=form.get("next_action", ""), next_action_due=form.get("next_action_due", ""),
        expected_version=optional_int(form.get("version")) or -1, today=clock.today()))
    if not outcome:
        return page_again(partial(_show, prospect_id, step=trigger), outcome)
    flash(_("The step has been recorded."), "success")
    return redirect(url_for("prospects.show", prospect_id=prospect_id))


@bp.post("/<int:prospect_id>/sign")
@login_required
def sign(prospect_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_STOCK)
    data = prospects.SignInput(**{name: request.form.get(name, "") for name in (
        "reference", "title", "start_date", "end_date", "renewal", "notice_months", "signed_on", "note")})
    outcome = attempt(lambda: prospects.sign_prospect(db(), user, prospect_id, data,
                                                      optional_int(request.form.get("version")) or -1,
                                                      today=clock.today()))
    if not outcome:
        return page_again(partial(_show, prospect_id, step=SIGN), outcome)
    flash(_("The agreement is signed: the partner and the agreement are in the stock."), "success")
    return redirect(url_for("prospects.show", prospect_id=prospect_id))
