"""The coordinator's stock pages: the partners (landlords and structures) and the agreements with them."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField

from commission import clock, policy
from commission.i18n import N_
from commission.models.tenancy import AgreementDocumentKind
from commission.parsing import as_page
from commission.services import reference, stock
from commission.services.sorting import Sort
from commission.services.subgroup import official_mail
from commission.storage import DocumentStore
from commission.web.forms import optional_int
from commission.web.labels import ORGANISATION_KIND_LABELS, PLACE_KIND_LABELS, RENEWAL_LABELS, lazy
from commission.web.shell import db, login_required, require_user, settings
from commission.web.unit import attempt, page_again, page_status
from commission.workflow.place import PLACE_MACHINE

bp = Blueprint("stock", __name__)

AGREEMENT_DOCUMENT_LABELS = lazy({
    AgreementDocumentKind.CONVENTION: N_("Signed convention"),
    AgreementDocumentKind.AMENDMENT: N_("Amendment"),
    AgreementDocumentKind.RENEWAL: N_("Renewal"),
    AgreementDocumentKind.OTHER: N_("Other document"),
})



# ---------------------------------------------------------------- partners


class PartnerForm(FlaskForm):
    name = StringField(_l("Name"))
    kind = SelectField(_l("Kind of partner"), choices=[], validate_choice=False)
    town_id = SelectField(_l("Town, if a member town"), choices=[], validate_choice=False)
    address = StringField(_l("Address"))
    phone = StringField(_l("Telephone"))
    email = EmailField(_l("E-mail"))


def _fill_partner_choices(form: PartnerForm) -> None:
    form.kind.choices = [(kind.value, str(ORGANISATION_KIND_LABELS[kind])) for kind in stock.STOCK_PARTNER_KINDS]
    form.town_id.choices = [("", _("Outside the member towns"))] + [
        (str(town.id), town.name) for town in reference.towns(db())]


def _partner_input(form: PartnerForm) -> stock.PartnerInput:
    return stock.PartnerInput(**{name: form[name].data or "" for name in
                                 ("name", "kind", "town_id", "address", "phone", "email")})


@bp.get("/partners")
@login_required
def partners() -> ResponseReturnValue:
    kind = next((k for k in stock.STOCK_PARTNER_KINDS if k.value == request.args.get("kind")), None)
    status = request.args.get("status") or None
    if status is not None and status not in {spec.name for spec in stock.PARTNER_STATUSES.states}:
        status = None
    partner_filter = stock.PartnerFilter(kind=kind, status=status)
    sort = Sort.read(request.args.get("sort"), stock.PARTNER_SORTS)
    rows = stock.list_partners(db(), require_user(), partner_filter, sort=sort)
    args = {name: value for name, value in (("kind", kind.value if kind else None), ("status", status))
            if value is not None}
    return render_template("stock/partners.html", rows=rows, kinds=stock.STOCK_PARTNER_KINDS,
                           statuses=stock.PARTNER_STATUSES, partner_filter=partner_filter, sort=sort, args=args)


@bp.route("/partners/new", methods=["GET", "POST"])
@login_required
def new_partner() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_STOCK)
    form = PartnerForm()
    _fill_partner_choices(form)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data=stock.PartnerInput().__dict__)
    elif form.validate_on_submit():
        outcome = attempt(lambda: stock.create_partner(db(), user, _partner_input(form)), form)
        if outcome:
            flash(_("The partner has been added."), "success")
            return redirect(url_for("stock.partners"))
        general = outcome.general
    return render_template("stock/partner_form.html", form=form, partner=None, general=general), \
        page_status(form, outcome)


@bp.route("/partners/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit_partner(organisation_id: int) -> ResponseReturnValue:
    user = require_user()
    partner = stock.get_partner(db(), user, organisation_id)
    form = PartnerForm()
    _fill_partner_choices(form)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data=stock.PartnerInput.of(partner).__dict__)
    elif form.validate_on_submit():
        outcome = attempt(lambda: stock.update_partner(db(), user, organisation_id, _partner_input(form),
                                                       optional_int(request.form.get("version")) or -1), form,
                          changed=_("This partner changed meanwhile: reload the page to see the change, then edit "
                                    "again."))
        if outcome:
            flash(_("The partner has been saved."), "success")
            return redirect(url_for("stock.partners"))
        general = outcome.general
        partner = stock.get_partner(db(), user, organisation_id)  # as it is after the rollback
    return render_template("stock/partner_form.html", form=form, partner=partner, general=general), \
        page_status(form, outcome)


@bp.post("/partners/<int:organisation_id>/active")
@login_required
def set_partner_active(organisation_id: int) -> ResponseReturnValue:
    user = require_user()
    active = request.form.get("active") == "1"
    if attempt(lambda: stock.set_partner_active(db(), user, organisation_id, active), flash_refusal=True):
        flash(_("The partner is active again.") if active else _("The partner has been deactivated."), "success")
    return redirect(url_for("stock.partners"))


# ---------------------------------------------------------------- agreements


class AgreementForm(FlaskForm):
    organisation_id = SelectField(_l("Landlord or structure"), choices=[], validate_choice=False)
    reference = StringField(_l("Reference"))
    title = StringField(_l("Title"))
    start_date = StringField(_l("Start date"), render_kw={"type": "date"})
    end_date = StringField(_l("End date (empty for an agreement without a term)"), render_kw={"type": "date"})
    renewal = SelectField(_l("Renewal"), choices=[], validate_choice=False)
    notice_months = StringField(_l("Notice before the end date (months)"), render_kw={"inputmode": "numeric"})
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 4})


def _fill_agreement_choices(form: AgreementForm, organisation_id: int | None = None) -> None:
    form.organisation_id.choices = [("", _("(choose)"))] + [
        (str(org.id), org.name) for org in stock.stock_partners(db(), include=organisation_id)]
    form.renewal.choices = [(renewal.value, str(label)) for renewal, label in RENEWAL_LABELS.items()]


def _agreement_input(form: AgreementForm) -> stock.AgreementInput:
    return stock.AgreementInput(**{name: form[name].data or "" for name in (
        "organisation_id", "reference", "title", "start_date", "end_date", "renewal", "notice_months", "notes")})


@bp.get("/agreements")
@login_required
def agreements() -> ResponseReturnValue:
    user = require_user()
    today = clock.today()
    due = stock.agreements_to_renew(db(), user, today)
    status = request.args.get("status") or None
    if status is not None and status not in {spec.name for spec in stock.AGREEMENT_STATUSES.states}:
        status = None
    agreement_filter = stock.AgreementFilter(partner_id=optional_int(request.args.get("partner")), status=status)
    sort = Sort.read(request.args.get("sort"), stock.AGREEMENT_SORTS)
    page = stock.list_agreements(db(), user, agreement_filter, page=as_page(request.args.get("page")), sort=sort)
    args = {name: value for name, value in (("partner", agreement_filter.partner_id), ("status", status))
            if value is not None}
    return render_template("stock/agreements.html", due=due, page=page, renewal_labels=RENEWAL_LABELS,
                           manage=policy.can(user, policy.Action.MANAGE_STOCK),
                           months=stock.RENEWAL_HORIZON_MONTHS,
                           horizon=stock.add_months(today, stock.RENEWAL_HORIZON_MONTHS),
                           partners=stock.agreement_partners(db(), user), statuses=stock.AGREEMENT_STATUSES,
                           agreement_filter=agreement_filter, sort=sort, args=args)


@bp.route("/agreements/new", methods=["GET", "POST"])
@login_required
def new_agreement() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_STOCK)
    form = AgreementForm()
    _fill_agreement_choices(form)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data={**stock.AgreementInput().__dict__,
                           "organisation_id": request.args.get("organisation", "")})
    elif form.validate_on_submit():
        outcome = attempt(lambda: stock.create_agreement(db(), user, _agreement_input(form)), form)
        if (agreement := outcome.value) is not None:
            flash(_("The agreement %(reference)s has been recorded.", reference=agreement.reference), "success")
            return redirect(url_for("stock.agreement", agreement_id=agreement.id))
        general = outcome.general
    return render_template("stock/agreement_form.html", form=form, agreement=None, general=general), \
        page_status(form, outcome)


@bp.route("/agreements/<int:agreement_id>/edit", methods=["GET", "POST"])
@login_required
def edit_agreement(agreement_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_STOCK)  # the sub-group reads the agreements; the coordinator keeps them
    agreement = stock.get_agreement(db(), user, agreement_id)
    if agreement.ended_at is not None:
        flash(_("This agreement has ended; it is kept as it was."), "error")
        return redirect(url_for("stock.agreement", agreement_id=agreement_id))
    form = AgreementForm()
    _fill_agreement_choices(form, agreement.organisation_id)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data=stock.AgreementInput.of(agreement).__dict__)
    elif form.validate_on_submit():
        outcome = attempt(lambda: stock.update_agreement(db(), user, agreement_id, _agreement_input(form),
                                                         optional_int(request.form.get("version")) or -1), form,
                          changed=_("This agreement changed meanwhile: reload the page to see the change, then edit "
                                    "again."))
        if outcome:
            flash(_("The agreement has been saved."), "success")
            return redirect(url_for("stock.agreement", agreement_id=agreement_id))
        general = outcome.general
        agreement = stock.get_agreement(db(), user, agreement_id)  # as it is after the rollback
    return render_template("stock/agreement_form.html", form=form, agreement=agreement, general=general), \
        page_status(form, outcome)


def _agreement_page(agreement_id: int, *, status: int = 200, errors: dict[str, list[str]] | None = None,
                    general: list[str] | None = None) -> ResponseReturnValue:
    user = require_user()
    view = stock.agreement_view(db(), user, agreement_id)
    return render_template(
        "stock/agreement.html", view=view, agreement=view.agreement, renewal_labels=RENEWAL_LABELS,
        manage=policy.can(user, policy.Action.MANAGE_STOCK),
        machine=PLACE_MACHINE, place_kind_labels=PLACE_KIND_LABELS, errors=errors or {}, general=general or [],
        typed=request.form if request.method == "POST" else {}, today=clock.today(),
        documents=stock.list_agreement_documents(db(), user, agreement_id), document_labels=AGREEMENT_DOCUMENT_LABELS,
        # the official letters about it, to the housing sub-group that keeps their register
        letters=(official_mail.mail_for(db(), user, agreement_id=agreement_id)
                 if policy.can(user, policy.Action.VIEW_SUBGROUP) else None),
    ), status


@bp.get("/agreements/<int:agreement_id>")
@login_required
def agreement(agreement_id: int) -> ResponseReturnValue:
    return _agreement_page(agreement_id)


@bp.post("/agreements/<int:agreement_id>/places")
@login_required
def attach_places(agreement_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_STOCK)
    place_ids = [value for value in (optional_int(raw) for raw in request.form.getlist("place_ids"))
                 if value is not None]
    outcome = attempt(lambda: stock.attach_places(db(), user, agreement_id, place_ids))
    if (count := outcome.value) is None:
        return page_again(partial(_agreement_page, agreement_id), outcome)
    flash(_("%(count)s places are now covered by this agreement.", count=count), "success")
    return redirect(url_for("stock.agreement", agreement_id=agreement_id))


@bp.post("/agreements/<int:agreement_id>/places/<int:place_id>/detach")
@login_required
def detach_place(agreement_id: int, place_id: int) -> ResponseReturnValue:
    user = require_user()
    outcome = attempt(lambda: stock.detach_place(db(), user, agreement_id, place_id))
    if not outcome:
        return page_again(partial(_agreement_page, agreement_id), outcome)
    flash(_("The agreement no longer covers this place."), "success")
    return redirect(url_for("stock.agreement", agreement_id=agreement_id))


@bp.post("/agreements/<int:agreement_id>/end")
@login_required
def end_agreement(agreement_id: int) -> ResponseReturnValue:
    user = require_user()
    outcome = attempt(lambda: stock.end_agreement(db(), user, agreement_id, request.form.get("ended_on", ""),
                                                  note=request.form.get("note", ""), today=clock.today()))
    if (ending := outcome.value) is None:
        return page_again(partial(_agreement_page, agreement_id), outcome)
    flash(_("The agreement has ended: %(count)s free places have left the stock.", count=len(ending.withdrawn)),
          "success")
    if ending.staying:
        flash(_("These places are offered or occupied and stay until they are vacated; withdraw them then: "
                "%(places)s.", places=", ".join(place.reference for place in ending.staying)), "info")
    return redirect(url_for("stock.agreement", agreement_id=agreement_id))


# ---------------------------------------------------------------- an agreement's documents


def _store() -> DocumentStore:
    return DocumentStore(settings().instance_path / "documents")


@bp.post("/agreements/<int:agreement_id>/documents")
@login_required
def attach_document(agreement_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_STOCK)
    upload = request.files.get("file")
    if attempt(lambda: stock.attach_agreement_document(
        db(), user, _store(), agreement_id, filename=(upload.filename or "") if upload else "",
        data=upload.read() if upload else b"", kind=request.form.get("kind", ""),
    ), flash_refusal=True):
        flash(_("The document has been attached."), "success")
    return redirect(url_for("stock.agreement", agreement_id=agreement_id) + "#documents")


@bp.get("/agreements/<int:agreement_id>/documents/<int:document_id>")
@login_required
def agreement_document(agreement_id: int, document_id: int) -> ResponseReturnValue:
    record, data = stock.open_agreement_document(db(), require_user(), _store(), agreement_id, document_id)
    response = Response(data, mimetype=record.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=record.filename)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
