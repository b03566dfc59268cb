"""The coordinator's administration: accounts and the audit trail."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from commission import policy
from commission.parsing import as_page
from commission.services import accounts, audit, reference, two_factor
from commission.web.forms import optional_int
from commission.web.labels import ROLE_LABELS
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt, page_status

bp = Blueprint("admin", __name__, url_prefix="/admin")



class UserForm(FlaskForm):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=80)])
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[])
    care_team_id = SelectField(_l("Care team (care-team members)"), choices=[], validate_choice=False)
    town_id = SelectField(_l("Town (chairs)"), choices=[], validate_choice=False)
    organisation_id = SelectField(_l("Landlord (landlord representatives)"), choices=[], validate_choice=False)
    title = StringField(_l("Capacity they sign in (optional)"), validators=[Optional(), Length(max=160)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired()])


def _fill_choices(form: UserForm) -> None:
    towns, teams, landlords = reference.choices(db())
    none = [("", _("(none)"))]
    form.role.choices = [(role.value, str(label)) for role, label in ROLE_LABELS.items()]
    form.care_team_id.choices = none + [(str(team.id), team.name) for team in teams]
    form.town_id.choices = none + [(str(town.id), town.name) for town in towns]
    form.organisation_id.choices = none + [(str(org.id), org.name) for org in landlords]


@bp.get("/users")
@login_required
def users() -> ResponseReturnValue:
    page = as_page(request.args.get("page"))
    return render_template("admin/users.html", users=accounts.list_users(db(), require_user(), page=page),
                           may_hold_delegation=policy.may_hold_delegation,
                           may_sit_in_subgroup=policy.may_sit_in_subgroup)


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user() -> ResponseReturnValue:
    actor = require_user()
    policy.require(actor, policy.Action.MANAGE_USERS)
    form = UserForm()
    _fill_choices(form)
    general: list[str] = []
    outcome = None
    if form.validate_on_submit():
        data = accounts.UserInput(
            login=form.login.data or "",
            display_name=form.display_name.data or "",
            email=form.email.data or "",
            role=form.role.data or "",
            password=form.password.data or "",
            care_team_id=optional_int(form.care_team_id.data),
            town_id=optional_int(form.town_id.data),
            organisation_id=optional_int(form.organisation_id.data),
            title=form.title.data or "",
        )
        outcome = attempt(lambda: accounts.create_user(db(), actor, data), form)
        if (user := outcome.value) is not None:
            flash(_("The account %(login)s has been created.", login=user.login), "success")
            return redirect(url_for("admin.users"))
        general = outcome.general
    return render_template("admin/user_form.html", form=form, general=general), page_status(form, outcome)


@bp.post("/users/<int:user_id>/title")
@login_required
def set_title(user_id: int) -> ResponseReturnValue:
    outcome = attempt(lambda: accounts.set_title(db(), require_user(), user_id, request.form.get("title", "")),
                      flash_refusal=True)
    if (user := outcome.value) is not None:
        flash(_("The title of %(login)s is saved.", login=user.login), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/subgroup")
@login_required
def set_subgroup(user_id: int) -> ResponseReturnValue:
    member = request.form.get("member") == "1"
    outcome = attempt(lambda: accounts.set_housing_subgroup(db(), require_user(), user_id, member), flash_refusal=True)
    if (user := outcome.value) is not None:
        flash(_("%(name)s now sits in the housing sub-group.", name=user.display_name) if member
              else _("%(name)s no longer sits in the housing sub-group.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/delegation")
@login_required
def grant_delegation(user_id: int) -> ResponseReturnValue:
    outcome = attempt(lambda: accounts.grant_signing_delegation(db(), require_user(), user_id), flash_refusal=True)
    if (user := outcome.value) is not None:
        flash(_("%(name)s now holds the council's signing delegation.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@login_required
def set_active(user_id: int) -> ResponseReturnValue:
    active = request.form.get("active") == "1"
    outcome = attempt(lambda: accounts.set_active(db(), require_user(), user_id, active), flash_refusal=True)
    if (user := outcome.value) is None:
        return redirect(url_for("admin.users"))
    if active:
        flash(_("The account %(login)s is enabled.", login=user.login), "success")
    else:
        flash(_("The account %(login)s is disabled; its sessions have ended.", login=user.login), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/two-factor/reset")
@login_required
def reset_two_factor(user_id: int) -> ResponseReturnValue:
    """A lost phone: the account's two-factor login is cleared and its sessions end."""
    policy.require(require_user(), policy.Action.MANAGE_USERS)
    if request.form.get("confirm") != "1":
        flash(_("Tick the box to confirm the reset of the two-factor login."), "error")
        return redirect(url_for("admin.users"))
    outcome = attempt(lambda: two_factor.reset(db(), require_user(), user_id), flash_refusal=True)
    if (user := outcome.value) is not None:
        flash(_("The two-factor login of %(login)s is reset and its sessions have ended; it will set up a new "
                "code at its next login.", login=user.login), "success")
    return redirect(url_for("admin.users"))


@bp.get("/audit", endpoint="audit")
@login_required
def audit_trail() -> ResponseReturnValue:
    page_number = as_page(request.args.get("page"))
    page = audit.list_entries(
        db(), require_user(), page=page_number,
        object_type=request.args.get("object_type") or None,
        object_id=request.args.get("object_id") or None,
    )
    return render_template("admin/audit.html", page=page)

