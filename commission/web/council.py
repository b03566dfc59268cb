"""The council's page: the letterhead its letters carry, its logo, and the settings of the letters and of the
means check (the coordinator)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField

from commission import policy
from commission.services.letters import profile as council_profile
from commission.web.forms import optional_int
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt, page_status

bp = Blueprint("council", __name__, url_prefix="/council")


class ProfileForm(FlaskForm):
    street = StringField(_l("Number and street"))
    address_extra = StringField(_l("Additional address line (building, PO box)"))
    postcode = StringField(_l("Postcode"))
    town = StringField(_l("Town"))
    phone = StringField(_l("Telephone"))
    email = EmailField(_l("E-mail"))
    contact_name = StringField(_l("Contact person named in the letters"))
    president_name = StringField(_l("Name of the president"))
    president_capacity = StringField(_l("Capacity of the president"))
    means_threshold = StringField(_l("Warning threshold: left to live on per month, in euros"))
    new_examination_days = StringField(_l("Days to ask for a new examination after a refusal"))


FIELDS = ("street", "address_extra", "postcode", "town", "phone", "email", "contact_name", "president_name",
          "president_capacity", "means_threshold", "new_examination_days")


def _version() -> int | None:
    return optional_int(request.form.get("version"))


@bp.route("", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_LETTERS)
    form = ProfileForm()
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.process(data=council_profile.ProfileInput.of(council_profile.current(db())).__dict__)
    elif form.validate_on_submit():
        data = council_profile.ProfileInput(**{name: form[name].data or "" for name in FIELDS})
        outcome = attempt(lambda: council_profile.update(db(), user, data, _version()), form,
                          changed=_("The council's details changed meanwhile: reload the page to see the change, "
                                    "then edit again."))
        if outcome:
            flash(_("The council's details have been saved."), "success")
            return redirect(url_for("council.profile"))
        general = outcome.general
    current = council_profile.current(db())
    return render_template("council/profile.html", form=form, general=general, profile=current,
                           max_logo_kb=council_profile.MAX_LOGO_BYTES // 1024), page_status(form, outcome)


@bp.post("/logo")
@login_required
def upload_logo() -> ResponseReturnValue:
    user = require_user()
    upload = request.files.get("logo")
    data = upload.read(council_profile.MAX_LOGO_BYTES + 1) if upload else b""
    if attempt(lambda: council_profile.set_logo(db(), user, data, _version()), flash_refusal=True):
        flash(_("The logo has been saved: it heads the next letters."), "success")
    return redirect(url_for("council.profile") + "#logo")


@bp.post("/logo/remove")
@login_required
def remove_logo() -> ResponseReturnValue:
    user = require_user()
    if attempt(lambda: council_profile.remove_logo(db(), user, _version()), flash_refusal=True):
        flash(_("The logo has been removed."), "success")
    return redirect(url_for("council.profile") + "#logo")


@bp.get("/logo")
@login_required
def logo() -> ResponseReturnValue:
    found = council_profile.logo(db(), require_user())
    if found is None:
        abort(404)
    data, content_type = found
    response = Response(data, mimetype=content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers.set("Content-Disposition", "inline", filename="logo.png" if content_type == "image/png"
                         else "logo.jpg")
    return response
