"""The texts of the letters, edited by the coordinator: the list of letters, the editor with its preview on a real
file, the versions saved. The service checks every permission and every template (services/letters/texts.py)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField

from commission import policy
from commission.errors import Forbidden, InvalidInput, NotFound
from commission.i18n import msg
from commission.models.letters import Audience, LetterKind
from commission.parsing import MAX_ID
from commission.services import cases
from commission.services.letters import texts
from commission.web.forms import optional_int
from commission.web.shell import db, login_required, require_user
from commission.web.unit import Outcome, attempt, page_status

bp = Blueprint("letter_texts", __name__, url_prefix="/letters/texts")

# A file named by its reference (D-2026-00042) or its number (42).
FILE_REFERENCE = re.compile(r"^\s*(?:D-(\d{4})-)?0*(\d{1,10})\s*$", re.IGNORECASE)


class LetterTextForm(FlaskForm):
    subject = StringField(_l("Subject"))
    body = TextAreaField(_l("Text of the letter"))
    note = StringField(_l("What changed (kept with the version)"))
    expected_version = HiddenField()
    file = StringField(_l("File to preview the letter on"))


def _letter(kind: str, audience: str) -> tuple[LetterKind, Audience]:
    try:
        key = LetterKind(kind), Audience(audience)
    except ValueError:
        abort(404)
    if key not in texts.FIELDS:
        abort(404)
    return key


def _title(kind: LetterKind, audience: Audience) -> str:
    return _("%(letter)s — %(audience)s", letter=_(texts.KIND_LABELS[kind]),
             audience=_(texts.AUDIENCE_LABELS[audience]).lower())


def _file_id(text: str | None) -> tuple[int, str | None] | None:
    """The file a reference names: its id, and the year its reference carries (None for a bare number)."""
    found = FILE_REFERENCE.match(text or "")
    if found is None or not 0 < int(found[2]) <= MAX_ID:
        return None
    return int(found[2]), found[1]


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    return render_template("letter_texts/index.html", letters=texts.overview(db(), require_user()),
                           kind_labels=texts.KIND_LABELS, audience_labels=texts.AUDIENCE_LABELS)


def _source(kind: LetterKind, audience: Audience, start: str | None) -> tuple[str, str, str]:
    """What the editor starts from: the text in force, the shipped text (``start=shipped``) or a saved version."""
    if start == "shipped":
        subject, body = texts.shipped_text(kind, audience)
        return subject, body, _("The text the software ships, restored.")
    version = optional_int(start)
    if version:
        saved = texts.version_of(db(), require_user(), kind, audience, version)
        return saved.subject, saved.body, _("Version %(version)s taken up again.", version=version)
    template = texts.latest(db(), kind, audience)
    if template is not None:
        return template.subject, template.body, ""
    subject, body = texts.shipped_text(kind, audience)
    return subject, body, ""


def _preview(form: LetterTextForm, kind: LetterKind, audience: Audience) -> tuple[Outcome[Any], str]:
    """The unsaved text written on the file the form names, and that file's reference."""
    actor = require_user()
    found = _file_id(form.file.data)
    shown = ""

    def written() -> texts.RenderedText:
        nonlocal shown
        if found is None:
            raise InvalidInput({"file": [msg("Give a file's reference, as D-2026-00042, or its number.")]})
        case_id, year = found
        try:
            case = cases.get_case(db(), actor, case_id)
        except (NotFound, Forbidden) as missing:
            raise InvalidInput({"file": [msg("No file has this reference.")]}) from missing
        if year is not None and case.created_at.year != int(year):  # the reference's year is the file's
            raise InvalidInput({"file": [msg("No file has this reference.")]})
        shown = case.reference
        return texts.preview(db(), actor, kind, audience, form.subject.data or "", form.body.data or "", case_id)

    return attempt(written, form), shown


@bp.route("/<kind>/<audience>", methods=["GET", "POST"])
@login_required
def edit(kind: str, audience: str) -> ResponseReturnValue:
    actor = require_user()
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    letter_kind, letter_audience = _letter(kind, audience)
    form = LetterTextForm()
    version = texts.current_version(db(), letter_kind, letter_audience)
    general: list[str] = []
    outcome: Outcome[Any] | None = None
    rendered: texts.RenderedText | None = None
    previewed = ""
    if request.method == "GET":
        form.subject.data, form.body.data, form.note.data = _source(letter_kind, letter_audience,
                                                                    request.args.get("start"))
        form.expected_version.data = str(version)
    elif form.validate_on_submit():
        if request.form.get("action") == "preview":
            outcome, previewed = _preview(form, letter_kind, letter_audience)
            rendered, general = outcome.value, outcome.general
        else:
            expected = optional_int(form.expected_version.data)
            saved = attempt(lambda: texts.save(
                db(), actor, letter_kind, letter_audience, subject=form.subject.data or "",
                body=form.body.data or "", note=form.note.data or "",
                expected_version=expected if expected is not None else -1), form)
            if (template := saved.value) is not None:
                flash(_("Version %(version)s of this letter is saved: the letters written from now on use it.",
                        version=template.version), "success")
                return redirect(url_for("letter_texts.edit", kind=kind, audience=audience))
            general, outcome = saved.general, saved
    status = page_status(form, outcome)
    return render_template(
        "letter_texts/edit.html", form=form, general=general, kind=letter_kind, audience=letter_audience,
        title=_title(letter_kind, letter_audience), version=version,
        fields=texts.FIELDS[(letter_kind, letter_audience)], rendered=rendered, previewed=previewed,
        versions=texts.history(db(), actor, letter_kind, letter_audience),
    ), status


@bp.get("/<kind>/<audience>/versions/<int:version>")
@login_required
def show_version(kind: str, audience: str, version: int) -> ResponseReturnValue:
    actor = require_user()
    policy.require(actor, policy.Action.MANAGE_LETTERS)  # who may not read the texts learns nothing of what exists
    letter_kind, letter_audience = _letter(kind, audience)
    template = texts.version_of(db(), actor, letter_kind, letter_audience, version)
    return render_template("letter_texts/version.html", template=template, kind=letter_kind,
                           audience=letter_audience, title=_title(letter_kind, letter_audience),
                           current=texts.current_version(db(), letter_kind, letter_audience))

