"""Login, logout and password change."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from commission.errors import InvalidInput
from commission.services import accounts
from commission.web.forms import attach_errors
from commission.web.i18n import render_message
from commission.web.shell import (
    current_user,
    db,
    end_session,
    login_required,
    require_user,
    settings,
    start_session,
)

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    next = HiddenField()


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm_password = PasswordField(_l("New password, again"), validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never an address elsewhere."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user() is not None and request.method == "GET":
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error = None
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                db(), settings(), form.login.data or "", form.password.data or "",
                request.remote_addr or "",
            )
        except accounts.LoginRefused as refusal:
            error = render_message(refusal.message)
        else:
            start_session(user)
            return redirect(_safe_next(form.next.data))
    elif request.method == "POST":
        error = _("Give your login and your password.")
    status = 200 if error is None else 401
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    accounts.record_logout(db(), require_user())
    end_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    form = PasswordForm()
    general: list[str] = []
    if form.validate_on_submit():
        user = require_user()
        try:
            accounts.change_password(
                db(), user, form.current_password.data or "", form.new_password.data or "",
                form.confirm_password.data or "",
            )
        except InvalidInput as invalid:
            general = attach_errors(form, invalid)
        else:
            start_session(user)
            flash(_("Your password has been changed. Your other sessions have ended."), "success")
            return redirect(url_for("main.home"))
    status = 400 if form.errors or general else 200
    return render_template("auth/password.html", form=form, general=general), status
