"""Login (with its second step, a code, for the accounts that use two-factor login), logout, the account's
page (password change, open sessions), and its two-factor page."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from commission import parsing
from commission.models.accounts import User, UserSession
from commission.services import accounts, sessions, throttle, two_factor
from commission.web.errors import retry_after, throttled_text
from commission.web.i18n import render_message
from commission.web.shell import (
    current_session,
    current_user,
    db,
    end_session,
    keep_session,
    login_required,
    require_user,
    settings,
    start_session,
)
from commission.web.unit import attempt, page_status

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    next = HiddenField()


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=200)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm_password = PasswordField(_l("New password, again"), validators=[DataRequired()])


class EndSessionForm(FlaskForm):
    session = HiddenField()


def _client() -> dict[str, str]:
    """Who completes a login, as the server sees them (behind a trusted proxy: the client, web/proxies.py)."""
    return {"remote_addr": request.remote_addr or "", "user_agent": request.headers.get("User-Agent", "")}


def _logged_in(user: User, opened: UserSession, next_path: str | None) -> ResponseReturnValue:
    start_session(user, opened)
    return redirect(_safe_next(next_path))


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
        except throttle.Throttled as refusal:
            return render_template("auth/login.html", form=form, error=throttled_text(refusal.until)), 429, \
                retry_after(refusal.until)
        except accounts.LoginRefused as refusal:
            error = render_message(refusal.message)
        else:
            if two_factor.is_enabled(user):
                _begin_pending_login(user, _safe_next(form.next.data))
                return redirect(url_for("auth.login_code"))
            return _logged_in(user, sessions.open_session(db(), user, **_client()), form.next.data)
    elif request.method == "POST":
        error = _("Give your login and your password.")
    status = 200 if error is None else 401
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    user, current = require_user(), current_session()
    attempt(lambda: sessions.log_out(db(), user, current), flash_refusal=True)
    end_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    """The account's page: its password; its open sessions are on the page next to it."""
    user = require_user()
    form = PasswordForm()
    general: list[str] = []
    outcome = None
    if form.validate_on_submit():
        outcome = attempt(lambda: accounts.change_password(
            db(), user, form.current_password.data or "", form.new_password.data or "",
            form.confirm_password.data or "", keep=current_session(),
        ), form)
        if outcome:
            keep_session(user)
            flash(_("Your password has been changed. Your other sessions have ended."), "success")
            return redirect(url_for("main.home"))
        general = outcome.general
    return render_template("auth/password.html", form=form, general=general), page_status(form, outcome)


@bp.route("/account/sessions", methods=["GET", "POST"])
@login_required
def sessions_page() -> ResponseReturnValue:
    """The account's open sessions (started, last seen, address, browser); a POST ends one of them
    (another browser, a lost phone)."""
    user, current = require_user(), current_session()
    form = EndSessionForm()
    if form.validate_on_submit():
        outcome = attempt(lambda: sessions.end_one(
            db(), settings(), user, parsing.parse_id(form.session.data, "session")), flash_refusal=True)
        if (ended := outcome.value) is not None:
            if current is not None and ended.id == current.id:
                end_session()
                flash(_("You are logged out."), "info")
                return redirect(url_for("auth.login"))
            flash(_("The session has been ended: that browser must log in again."), "success")
        return redirect(url_for("auth.sessions_page"))
    return render_template(
        "auth/sessions.html", end_form=form, open_sessions=sessions.open_sessions(db(), settings(), user),
        current_id=current.id if current else None,
    )


# --- the second step of a login ----------------------------------------------------------------------
#
# After the password, an account with two-factor login holds only a pending state in its browser session
# (the user's id, their session nonce, the time): it reaches no page until the code is given.

PENDING_KEY = "pending_login"


def _begin_pending_login(user: User, next_path: str) -> None:
    lang = session.get("lang")
    session.clear()
    session[PENDING_KEY] = {"uid": user.id, "nonce": user.session_nonce, "at": int(time.time()), "next": next_path}
    if lang:
        session["lang"] = lang


def _pending_user() -> tuple[User, str] | None:
    """The account whose password was given, if that was less than five minutes ago and still valid."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    at = pending.get("at")
    if not isinstance(at, int) or not 0 <= time.time() - at <= two_factor.PENDING_LOGIN_SECONDS:
        return None
    user = accounts.session_user(db(), pending.get("uid"), pending.get("nonce"))
    if user is None or not two_factor.is_enabled(user):
        return None
    next_path = pending.get("next")
    return user, next_path if isinstance(next_path, str) else ""


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> ResponseReturnValue:
    pending = _pending_user()
    if pending is None:
        if PENDING_KEY in session:
            end_session()
            flash(_("Your login has expired. Please log in again."), "info")
        return redirect(url_for("auth.login"))
    user, next_path = pending
    form = CodeForm()
    error = None
    status = 200
    if form.validate_on_submit():
        def complete() -> tuple[int | None, UserSession]:
            left = two_factor.verify_login_code(db(), settings(), user, form.code.data or "",
                                                request.remote_addr or "")
            return left, sessions.open_session(db(), user, **_client())

        try:  # a wrong code is no refusal of attempt's: it answers 401 (its failure is recorded aside)
            outcome = attempt(complete)
        except throttle.Throttled as refusal:
            form.code.data = ""
            return render_template("auth/login_code.html", form=form, error=throttled_text(refusal.until)), 429, \
                retry_after(refusal.until)
        except two_factor.CodeRefused as refusal:
            error, status = render_message(refusal.message), 401
        else:
            if outcome.value is not None:
                left, opened = outcome.value
                answer = _logged_in(user, opened, next_path)  # before the message: the cookie starts anew
                if left is not None:
                    flash(_("You logged in with a recovery code; %(count)s remain. Make new ones from your "
                            "two-factor login page if you are running out.", count=left), "info")
                return answer
            error, status = " ".join(outcome.general), outcome.status
    elif request.method == "POST":
        error, status = _("Type the code."), 400
    form.code.data = ""
    return render_template("auth/login_code.html", form=form, error=error), status


# --- the account's two-factor page -------------------------------------------------------------------

ENROL_KEY = "enrol_secret"


def _qr_svg(uri: str) -> str:
    """The QR code as an inline SVG element: no request elsewhere, nothing the CSP would refuse."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff",
                                                     title=_("QR code to scan with your authenticator app")))


def _enrolment_page(user: User, form: CodeForm, general: list[str], status: int) -> ResponseReturnValue:
    secret = session.get(ENROL_KEY)
    if not isinstance(secret, str) or not secret:
        secret = two_factor.begin_enrolment(user).secret
        session[ENROL_KEY] = secret
    uri = two_factor.provisioning_uri(user, secret)
    form.code.data = ""
    return render_template(
        "auth/two_factor_enrol.html", form=form, general=general, qr_svg=_qr_svg(uri),
        secret=two_factor.grouped(secret), required=two_factor.is_required(settings(), user),
    ), status


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_page() -> ResponseReturnValue:
    """Enrolment while two-factor login is off; otherwise the recovery codes and (optional roles) turning it off."""
    user = require_user()
    form = CodeForm()
    if two_factor.is_enabled(user):
        if request.method == "POST":
            return redirect(url_for("auth.two_factor_page"))
        return _account_page(user, CodeForm(prefix="regenerate"), CodeForm(prefix="disable"), [], 200)
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        general = [_("Type the 6 digits shown by your authenticator app.")] if status == 400 else []
        return _enrolment_page(user, form, general, status)
    secret = session.get(ENROL_KEY)
    if not isinstance(secret, str) or not secret:
        return redirect(url_for("auth.two_factor_page"))
    outcome = attempt(lambda: two_factor.confirm_enrolment(db(), settings(), user, secret, form.code.data or "",
                                                           request.remote_addr or ""), form)
    if (codes := outcome.value) is None:
        return _enrolment_page(user, form, outcome.general, outcome.status)
    session.pop(ENROL_KEY, None)
    flash(_("Two-factor login is on. From now on, you log in with your password and a code from your app."),
          "success")
    return render_template("auth/recovery_codes.html", codes=codes)


def _account_page(
    user: User, regenerate: CodeForm, disable: CodeForm, general: list[str], status: int,
) -> ResponseReturnValue:
    regenerate.code.data = ""
    disable.code.data = ""
    return render_template(
        "auth/two_factor.html", regenerate=regenerate, disable=disable, general=general,
        remaining=two_factor.remaining_recovery_codes(db(), user),
        can_disable=not two_factor.is_required(settings(), user),
    ), status


@bp.post("/account/two-factor/recovery-codes")
@login_required
def regenerate_recovery_codes() -> ResponseReturnValue:
    user = require_user()
    if not two_factor.is_enabled(user):  # a form from before a reset, or from another tab
        return redirect(url_for("auth.two_factor_page"))
    form = CodeForm(prefix="regenerate")
    if not form.validate_on_submit():
        return _account_page(user, form, CodeForm(prefix="disable"), [], 400)
    outcome = attempt(lambda: two_factor.regenerate_recovery_codes(db(), settings(), user, form.code.data or "",
                                                                   request.remote_addr or ""), form)
    if (codes := outcome.value) is None:
        return _account_page(user, form, CodeForm(prefix="disable"), outcome.general, outcome.status)
    flash(_("New recovery codes have been made; the old ones no longer work."), "success")
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.post("/account/two-factor/disable")
@login_required
def disable_two_factor() -> ResponseReturnValue:
    user = require_user()
    if not two_factor.is_enabled(user):  # a form from before a reset, or from another tab
        return redirect(url_for("auth.two_factor_page"))
    form = CodeForm(prefix="disable")
    if not form.validate_on_submit():
        return _account_page(user, CodeForm(prefix="regenerate"), form, [], 400)
    outcome = attempt(lambda: two_factor.disable(db(), settings(), user, form.code.data or "",
                                                 request.remote_addr or ""), form)
    if not outcome:
        return _account_page(user, CodeForm(prefix="regenerate"), form, outcome.general, outcome.status)
    flash(_("Two-factor login is off: you log in with your password only."), "success")
    return redirect(url_for("auth.two_factor_page"))
