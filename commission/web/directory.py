"""The directory of the territory: the structures every professional may orient a person to, their printed guide
and the partners' export. Every staff member reads it; the coordinator and the care teams keep it."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField

from commission import policy
from commission.documents import exports
from commission.i18n import DEFAULT_LOCALE
from commission.models.directory import Need, StructureKind
from commission.parsing import as_page
from commission.services import directory, reference
from commission.services.sorting import Sort
from commission.web.forms import optional_int
from commission.web.labels import NEED_LABELS, STRUCTURE_KIND_LABELS
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt, page_status

bp = Blueprint("directory", __name__, url_prefix="/directory")

FIELDS = ("name", "kind", "town_id", "address", "phone", "email", "website", "opening_hours", "offer", "audience",
          "contact_name")


class StructureForm(FlaskForm):
    name = StringField(_l("Name"))
    kind = SelectField(_l("Kind of structure"), choices=[], validate_choice=False)
    town_id = SelectField(_l("Town"), choices=[], validate_choice=False)
    address = StringField(_l("Address"))
    phone = StringField(_l("Telephone"))
    email = EmailField(_l("E-mail"))
    website = StringField(_l("Website"))
    opening_hours = TextAreaField(_l("Opening hours"))
    offer = TextAreaField(_l("What it offers"))
    audience = TextAreaField(_l("For whom"))
    contact_name = StringField(_l("Contact for professionals (name and position)"))


def _fill_choices(form: StructureForm) -> None:
    form.kind.choices = [("", _("Choose the kind"))] + [
        (kind.value, str(STRUCTURE_KIND_LABELS[kind])) for kind in StructureKind]
    form.town_id.choices = [("", _("Outside the member towns"))] + [
        (str(town.id), town.name) for town in reference.towns(db())]


def _input(form: StructureForm) -> directory.StructureInput:
    return directory.StructureInput(**{name: form[name].data or "" for name in FIELDS})


def _labels() -> dict[str, object]:
    return {"structure_kind_labels": STRUCTURE_KIND_LABELS, "need_labels": NEED_LABELS,
            "kinds_of_need": directory.KINDS_OF_NEED}


def _read_filter() -> directory.StructureFilter:
    args = request.args
    need = next((need for need in Need if need.value == args.get("need")), None)
    kind = next((kind for kind in StructureKind if kind.value == args.get("kind")), None)
    town = (args.get("town") or "").strip()
    status = args.get("status") or ""
    active = {"": True, "closed": False, "all": None}.get(status, True)
    return directory.StructureFilter(
        need=need, kind=kind, town_id=None if town == directory.OUTSIDE else optional_int(town),
        outside=town == directory.OUTSIDE, active=active, text=(args.get("text") or "").strip()[:200])


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    user = require_user()
    structure_filter = _read_filter()
    sort = Sort.read(request.args.get("sort"), directory.STRUCTURE_SORTS)
    page = directory.list_structures(db(), user, structure_filter, sort=sort, page=as_page(request.args.get("page")))
    return render_template(
        "directory/index.html", page=page, structure_filter=structure_filter, args=structure_filter.args, sort=sort,
        guide_args={name: value for name, value in (
            ("need", structure_filter.need.value if structure_filter.need else None),
            ("town", structure_filter.town_id)) if value is not None},
        towns=reference.towns(db()), needs=list(Need), kinds=list(StructureKind),
        statuses=directory.STRUCTURE_STATUSES, outside=directory.OUTSIDE,
        edit=policy.can(user, policy.Action.EDIT_DIRECTORY), **_labels())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.EDIT_DIRECTORY)
    form = StructureForm()
    _fill_choices(form)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data=directory.StructureInput(kind=request.args.get("kind", "")).__dict__)
    elif form.validate_on_submit():
        outcome = attempt(lambda: directory.create_structure(db(), user, _input(form)), form)
        if outcome and outcome.value is not None:
            flash(_("The structure has been added to the directory."), "success")
            return redirect(url_for("directory.show", structure_id=outcome.value.id))
        general = outcome.general
    return render_template("directory/form.html", form=form, structure=None, general=general), \
        page_status(form, outcome)


@bp.get("/<int:structure_id>")
@login_required
def show(structure_id: int) -> ResponseReturnValue:
    view = directory.structure_view(db(), require_user(), structure_id)
    return render_template("directory/show.html", view=view, structure=view.structure,
                           statuses=directory.STRUCTURE_STATUSES, **_labels())


@bp.route("/<int:structure_id>/edit", methods=["GET", "POST"])
@login_required
def edit(structure_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.EDIT_DIRECTORY)
    structure = directory.get_structure(db(), user, structure_id)
    form = StructureForm()
    _fill_choices(form)
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data=directory.StructureInput.of(structure).__dict__)
    elif form.validate_on_submit():
        version = optional_int(request.form.get("version"))
        outcome = attempt(lambda: directory.update_structure(db(), user, structure_id, _input(form),
                                                             -1 if version is None else version), form,
                          changed=_("This structure changed meanwhile: reload the page to see the change, then "
                                    "edit again."))
        if outcome:
            flash(_("The structure has been saved."), "success")
            return redirect(url_for("directory.show", structure_id=structure_id))
        general = outcome.general
        structure = directory.get_structure(db(), user, structure_id)  # as it is after the rollback
    return render_template("directory/form.html", form=form, structure=structure, general=general), \
        page_status(form, outcome)


@bp.post("/<int:structure_id>/active")
@login_required
def set_active(structure_id: int) -> ResponseReturnValue:
    user = require_user()
    active = request.form.get("active") == "1"
    version = optional_int(request.form.get("version"))
    if attempt(lambda: directory.set_structure_active(db(), user, structure_id, active, version),
               flash_refusal=True):
        flash(_("The structure is open again.") if active else
              _("The structure is closed: it no longer appears in the guide."), "success")
    return redirect(url_for("directory.show", structure_id=structure_id))


def _locale() -> str:
    return str(get_locale() or DEFAULT_LOCALE)


def _plain_labels() -> tuple[dict[StructureKind, str], dict[Need, str]]:
    """The labels as plain strings in the reader's language, for the documents (which do not import the web)."""
    return ({kind: str(label) for kind, label in STRUCTURE_KIND_LABELS.items()},
            {need: str(label) for need, label in NEED_LABELS.items()})


def _download(data: bytes, media_type: str, name: str) -> Response:
    response = Response(data, mimetype=media_type)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


@bp.get("/guide.pdf")
@login_required
def guide() -> ResponseReturnValue:
    from commission.documents.guide import render_guide
    from commission.services.hearing_documents import council

    user = require_user()
    need = next((need for need in Need if need.value == request.args.get("need")), None)
    town_id = optional_int(request.args.get("town"))
    data = directory.guide_data(db(), user, town_id, need, council=council().name)
    kind_labels, need_labels = _plain_labels()
    pdf = render_guide(data, kind_labels=kind_labels, need_labels=need_labels, locale=_locale())
    return _download(pdf, "application/pdf", "guide-des-structures.pdf")


# Two rules rather than a converter: each address of the export is a page of its own (the access matrix's).
@bp.get("/export.csv", defaults={"fmt": "csv"})
@bp.get("/export.xlsx", defaults={"fmt": "xlsx"})
@login_required
def export(fmt: str) -> ResponseReturnValue:
    from commission.documents.guide import directory_export
    from commission.services.hearing_documents import council

    user = require_user()
    rows = directory.export_rows(db(), user, _read_filter())
    kind_labels, need_labels = _plain_labels()
    data = directory_export(rows, fmt, _, kind_labels=kind_labels, need_labels=need_labels, author=council().name)
    media_type = exports.CSV_MEDIA_TYPE if fmt == "csv" else exports.XLSX_MEDIA_TYPE
    return _download(data, media_type, f"annuaire-des-structures.{fmt}")
