"""The coordinator's import page: choose the kind and upload the file, confirm its columns, read the dry run's
report, then import (all or nothing). The templates to fill in are downloaded from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from commission.errors import InvalidInput
from commission.services.imports import core, held, mapping, templates
from commission.services.imports.core import ImportReport
from commission.web.i18n import render_message
from commission.web.shell import db, login_required, require_user, settings
from commission.web.unit import attempt

bp = Blueprint("imports", __name__)

COLUMN_FIELD = "col-"  # the mapping's select of the file's column n is named col-n


def _instance() -> Path:
    return settings().instance_path


def _index_page(*, chosen: str = "") -> ResponseReturnValue:
    user = require_user()
    kinds = core.kinds()
    return render_template("imports/index.html", kinds=kinds, runs=core.recent_runs(db(), user),
                           kind_labels={kind.name: kind.label for kind in kinds},
                           chosen=chosen, formats=templates.FORMATS)


@bp.get("/imports")
@login_required
def index() -> ResponseReturnValue:
    return _index_page(chosen=request.args.get("kind", ""))


@bp.post("/imports")
@login_required
def upload() -> ResponseReturnValue:
    """The file read and kept for the next steps; refused (as the other uploads are) with its message flashed on
    the import page, where the file is chosen again (the kind kept)."""
    user = require_user()
    upload_file = request.files.get("file")
    kind_name = request.form.get("kind", "")
    outcome = attempt(lambda: held.hold(_instance(), user, kind_name, (upload_file.filename or "") if upload_file
                                        else "", upload_file.read() if upload_file else b""), flash_refusal=True)
    if not outcome or outcome.value is None:
        return redirect(url_for("imports.index", kind=kind_name))
    return redirect(url_for("imports.columns", token=outcome.value.token))


@bp.get("/imports/templates/<kind_name>.csv", defaults={"fmt": "csv"})
@bp.get("/imports/templates/<kind_name>.xlsx", defaults={"fmt": "xlsx"})
@login_required
def template(kind_name: str, fmt: str) -> ResponseReturnValue:
    data, media_type, name = templates.template_file(require_user(), kind_name, fmt)
    response = Response(data, mimetype=media_type)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


def _choices(file: held.Held) -> dict[str, str]:
    """The columns chosen on the page: the file's header -> the kind's column name ("" ignored)."""
    chosen: dict[str, str] = {}
    for index, _header in enumerate(file.table.headers):
        key = f"{COLUMN_FIELD}{index}"
        if key in request.form:
            chosen[str(index)] = request.form.get(key, "")
    return chosen


def _columns_page(file: held.Held, current: mapping.ColumnMapping, *, status: int = 200,
                  general: list[str] | None = None) -> ResponseReturnValue:
    return render_template("imports/columns.html", file=file, kind=file.kind, current=current,
                           missing=[render_message(message) for message in current.problems(file.kind)],
                           general=general or [], field_prefix=COLUMN_FIELD,
                           sample=file.table.rows[:3]), status


@bp.get("/imports/<token>")
@login_required
def columns(token: str) -> ResponseReturnValue:
    file = held.held(_instance(), require_user(), token)
    return _columns_page(file, mapping.propose_mapping(file.kind, file.table.headers))


@dataclass(frozen=True)
class _Ran:
    file: held.Held
    chosen: mapping.ColumnMapping
    report: ImportReport


def _run(token: str, *, dry_run: bool) -> _Ran | ResponseReturnValue:
    """The file kept under ``token`` run with the columns chosen on the page; or the columns' page again, with why
    not (a column chosen twice, a required one missing, a refusal)."""
    user = require_user()
    file = held.held(_instance(), user, token)
    try:
        chosen = mapping.chosen_mapping(file.kind, file.table.headers, _choices(file))
    except InvalidInput as refused:
        proposed = mapping.propose_mapping(file.kind, file.table.headers)
        return _columns_page(file, proposed, status=400, general=[render_message(message) for messages in
                                                                  refused.errors.values() for message in messages])
    outcome = attempt(lambda: core.run_import(db(), user, file.kind.name, file.table, chosen, filename=file.filename,
                                              sha256=file.sha256, dry_run=dry_run))
    if not outcome or outcome.value is None:
        return _columns_page(file, chosen, status=outcome.status, general=outcome.general)
    return _Ran(file, chosen, outcome.value)


@bp.post("/imports/<token>/check")
@login_required
def check(token: str) -> ResponseReturnValue:
    """The dry run: every row applied through the services, then everything rolled back."""
    ran = _run(token, dry_run=True)
    if not isinstance(ran, _Ran):
        return ran
    return _report_page(ran.file, ran.chosen, ran.report)


def _report_page(file: held.Held, chosen: mapping.ColumnMapping, report: ImportReport, *,
                 status: int = 200) -> ResponseReturnValue:
    return render_template("imports/report.html", file=file, kind=file.kind, report=report, chosen=chosen,
                           field_prefix=COLUMN_FIELD), status


@bp.post("/imports/<token>/apply")
@login_required
def apply(token: str) -> ResponseReturnValue:
    """The real run: everything, or nothing when a row has an error or a conflict (the report is shown again)."""
    ran = _run(token, dry_run=False)
    if not isinstance(ran, _Ran):
        return ran
    file, chosen, report = ran.file, ran.chosen, ran.report
    if not report.applied:
        return _report_page(file, chosen, report, status=409)
    held.release(_instance(), token)
    if report.run_id is None:
        flash(_("Nothing to import: every row was imported before, the same."), "info")
        return redirect(url_for("imports.index"))
    flash(_("Imported from %(file)s: %(created)s records created, %(unchanged)s unchanged.", file=file.filename,
            created=report.created, unchanged=report.unchanged), "success")
    return redirect(url_for("imports.index"))
