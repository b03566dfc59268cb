"""What every request shares: its database session, the logged-in user, idle timeout, headers, nav."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.wrappers import Response

from commission import policy
from commission.config import Settings
from commission.models.accounts import User
from commission.services import accounts, two_factor, unit
from commission.web.labels import ALL_LABELS

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def settings() -> Settings:
    return cast(Settings, current_app.extensions["commission.settings"])


# Requests that may write: their unit of work takes SQLite's write lock as it begins (unit.writing).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def db() -> Session:
    """The request's database session, its unit of work: committed once when the view has succeeded
    (:func:`commission.web.unit.end_request`), rolled back before any error page, closed at teardown."""
    if "db" not in g:
        factory = cast(sessionmaker[Session], current_app.extensions["commission.sessions"])
        bind = factory.kw.get("bind")
        if request.method not in SAFE_METHODS and isinstance(bind, Engine):
            g.db = factory(bind=unit.writing(bind))
        else:
            g.db = factory()
    return cast(Session, g.db)


def current_user() -> User | None:
    return cast(User | None, g.get("user"))


def require_user() -> User:
    user = current_user()
    assert user is not None, "login_required must guard this view"
    return user


def start_session(user: User) -> None:
    """Renew the session at login: nothing of the anonymous session survives but the language."""
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["nonce"] = user.session_nonce
    session["sid"] = secrets.token_urlsafe(16)
    session["seen"] = int(time.time())
    if lang:
        session["lang"] = lang


def end_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return cast(F, wrapped)


# What an account that must enrol in two-factor login may reach before it has.
ENROLMENT_ENDPOINTS = frozenset({"auth.two_factor_page", "auth.logout", "static"})


def _load_user() -> Response | None:
    g.user = None
    if "uid" not in session:
        return None
    seen = session.get("seen")
    idle_seconds = settings().idle_minutes * 60
    if not isinstance(seen, int) or time.time() - seen > idle_seconds:
        end_session()
        flash(_l("Your session ended after a period of inactivity. Please log in again."), "info")
        return None
    user = accounts.session_user(db(), session.get("uid"), session.get("nonce"))
    if user is None:
        end_session()
        flash(_l("Your session has ended. Please log in again."), "info")
        return None
    g.user = user
    session["seen"] = int(time.time())
    # End the read transaction, which wrote nothing (committed rather than rolled back, so that the
    # user stays loaded): the view's unit starts its own, its reads and writes as close as they can be.
    db().commit()
    if two_factor.is_required(settings(), user) and not two_factor.is_enabled(user) and (
        request.endpoint not in ENROLMENT_ENDPOINTS
    ):
        # A role that reads medical details reaches nothing but the enrolment page until it has enrolled.
        return redirect(url_for("auth.two_factor_page"))
    return None


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_user() is not None or request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _close_db(_error: BaseException | None) -> None:
    session_ = g.pop("db", None)
    if session_ is not None:
        session_.close()


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    action: policy.Action


NAVIGATION = (
    NavItem("main.home", _l("Home"), policy.Action.USE_APP),
    NavItem("cases.index", _l("Files"), policy.Action.VIEW_CASES),
    NavItem("hearings.index", _l("Hearings"), policy.Action.VIEW_HEARINGS),
    NavItem("places.index", _l("Places"), policy.Action.VIEW_PLACES),
    NavItem("places.vacancies", _l("Vacancies"), policy.Action.MANAGE_STOCK),
    NavItem("stock.agreements", _l("Agreements"), policy.Action.MANAGE_STOCK),
    NavItem("stock.partners", _l("Landlords and structures"), policy.Action.MANAGE_STOCK),
    NavItem("places.reference", _l("Towns and partners"), policy.Action.VIEW_REFERENCE),
    NavItem("treasury.overview", _l("Treasury"), policy.Action.VIEW_TREASURY),
    NavItem("treasury.deposits", _l("Deposits"), policy.Action.VIEW_DEPOSITS),
    NavItem("dashboard.show", _l("Dashboard"), policy.Action.VIEW_DASHBOARD),
    NavItem("admin.users", _l("Accounts"), policy.Action.MANAGE_USERS),
    NavItem("admin.audit", _l("Audit trail"), policy.Action.VIEW_AUDIT),
    NavItem("access_review.index", _l("Access review"), policy.Action.VIEW_ACCESS_REVIEW),
    NavItem("outbox.index", _l("Outbox"), policy.Action.VIEW_OUTBOX),
    NavItem("cases.workflow", _l("How a file moves"), policy.Action.VIEW_WORKFLOW),
)


def _navigation() -> dict[str, Any]:
    user = current_user()
    items = [item for item in NAVIGATION if policy.can(user, item.action)] if user else []
    return {"navigation": items, "user": user, "can": lambda action: policy.can(user, action),
            "Action": policy.Action, **ALL_LABELS}


def init_app(app: Flask) -> None:
    app.before_request(_load_user)
    app.after_request(_security_headers)
    app.teardown_appcontext(_close_db)
    app.context_processor(_navigation)
