"""What every request shares: its database session, the logged-in user and their session (known to the
server: services/sessions.py), HTTPS in production, headers, nav."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.wrappers import Response

from commission import policy
from commission.config import Settings
from commission.models.accounts import User, UserSession
from commission.services import sessions, two_factor, unit
from commission.web.labels import ALL_LABELS
from commission.web.proxies import TRUSTED_PROXY

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


def current_session() -> UserSession | None:
    """The server's row of the request's session, when a user is logged in."""
    return cast(UserSession | None, g.get("user_session"))


def start_session(user: User, opened: UserSession) -> None:
    """Renew the cookie at login: nothing of the anonymous session survives but the language; it names
    the session the server has just opened (services/sessions.py)."""
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["nonce"] = user.session_nonce
    session["sid"] = opened.key
    if lang:
        session["lang"] = lang


def keep_session(user: User) -> None:
    """The account's nonce changed (a new password) and its other sessions ended: this one goes on."""
    session["nonce"] = user.session_nonce


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


LAPSED = {
    sessions.Lapse.ENDED: _l("Your session has ended. Please log in again."),
    sessions.Lapse.IDLE: _l("Your session ended after a period of inactivity. Please log in again."),
    sessions.Lapse.EXPIRED: _l("Your session has reached its longest duration. Please log in again."),
}


def _load_user() -> Response | None:
    g.user = None
    g.user_session = None
    if "uid" not in session:
        return None
    checked = sessions.check(db(), settings(), session.get("sid"), session.get("uid"), session.get("nonce"))
    if checked.user_session is None:
        end_session()
        flash(LAPSED[checked.lapse or sessions.Lapse.ENDED], "info")
        return None
    sessions.touch(db(), checked.user_session)
    g.user_session = checked.user_session
    g.user = user = checked.user_session.user
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


@dataclass(frozen=True)
class NavGroup:
    """One job's pages in the menu. A group the user reaches one page of is drawn as that page's link."""

    key: str
    label: Any
    items: tuple[NavItem, ...]


# The menu, grouped by job (files, hearings, places, treasury, steering and administration).
NAVIGATION = (
    NavGroup("home", _l("Home"), (NavItem("main.home", _l("Home"), policy.Action.USE_APP),)),
    NavGroup("files", _l("Files"), (
        NavItem("cases.index", _l("Files"), policy.Action.VIEW_CASES),
        NavItem("cases.workflow", _l("How a file moves"), policy.Action.VIEW_WORKFLOW),
    )),
    NavGroup("hearings", _l("Hearings"), (
        NavItem("hearings.index", _l("Hearings"), policy.Action.VIEW_HEARINGS),
        NavItem("consultations.index", _l("Written consultations"), policy.Action.MANAGE_HEARINGS),
    )),
    NavGroup("places", _l("Places"), (
        NavItem("places.index", _l("Places"), policy.Action.VIEW_PLACES),
        NavItem("places.vacancies", _l("Vacancies"), policy.Action.MANAGE_STOCK),
        NavItem("stock.agreements", _l("Agreements"), policy.Action.VIEW_AGREEMENTS),
        NavItem("stock.partners", _l("Landlords and structures"), policy.Action.MANAGE_STOCK),
        NavItem("places.reference", _l("Towns and partners"), policy.Action.VIEW_REFERENCE),
    )),
    NavGroup("territory", _l("Territory"), (NavItem("directory.index", _l("Directory of the territory"),
                                                    policy.Action.VIEW_DIRECTORY),)),
    NavGroup("treasury", _l("Treasury"), (
        NavItem("treasury.overview", _l("Treasury"), policy.Action.VIEW_TREASURY),
        NavItem("treasury.deposits", _l("Deposits"), policy.Action.VIEW_DEPOSITS),
    )),
    NavGroup("steering", _l("Steering and administration"), (
        NavItem("dashboard.show", _l("Dashboard"), policy.Action.VIEW_DASHBOARD),
        NavItem("subgroup.workspace", _l("Housing sub-group"), policy.Action.VIEW_SUBGROUP),
        NavItem("access_review.index", _l("Access review"), policy.Action.VIEW_ACCESS_REVIEW),
        NavItem("admin.audit", _l("Audit trail"), policy.Action.VIEW_AUDIT),
        NavItem("admin.users", _l("Accounts"), policy.Action.MANAGE_USERS),
        NavItem("imports.index", _l("Import from spreadsheets"), policy.Action.IMPORT_DATA),
        NavItem("integrations.index", _l("Integration API"), policy.Action.MANAGE_INTEGRATIONS),
        NavItem("outbox.index", _l("Outbox"), policy.Action.VIEW_OUTBOX),
        NavItem("correspondence.index", _l("Outgoing mail"), policy.Action.MANAGE_LETTERS),
        NavItem("print_runs.index", _l("Letters to post"), policy.Action.MANAGE_LETTERS),
        NavItem("council.profile", _l("The council's letters"), policy.Action.MANAGE_LETTERS),
        NavItem("letter_texts.index", _l("Texts of the letters"), policy.Action.MANAGE_LETTERS),
    )),
)


def navigation_for(user: User | None) -> list[NavGroup]:
    """The menu of a user: each group with the pages their role may open, empty groups left out."""
    if user is None:
        return []
    groups = (NavGroup(group.key, group.label, tuple(item for item in group.items if policy.can(user, item.action)))
              for group in NAVIGATION)
    return [group for group in groups if group.items]


def _navigation() -> dict[str, Any]:
    user = current_user()
    return {"navigation": navigation_for(user), "user": user, "can": lambda action: policy.can(user, action),
            "Action": policy.Action, **ALL_LABELS}


def plain_http_refused() -> tuple[str, int] | None:
    """In production the session cookie is Secure: a browser never sends it back over plain HTTP, so
    every form would fail. Say so, rather than let the login fail with a bare 400 (also the answer to a
    form refused for its CSRF token before this check could run, web/errors.py)."""
    if settings().development or request.is_secure or request.endpoint == "static":
        return None
    behind_proxy = request.environ.get(TRUSTED_PROXY) is not None
    return render_template("auth/https_required.html", behind_proxy=behind_proxy,
                           trusted=bool(settings().trusted_proxies)), 403


def init_app(app: Flask) -> None:
    app.before_request(plain_http_refused)
    app.before_request(_load_user)
    app.after_request(_security_headers)
    app.teardown_appcontext(_close_db)
    app.context_processor(_navigation)
