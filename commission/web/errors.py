"""Error pages in the user's language; no stack trace ever reaches a user."""

from __future__ import annotations

import math
from datetime import datetime

from flask import Flask, g, render_template
from flask_babel import format_datetime, format_time, to_user_timezone
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from commission.errors import CommissionError
from commission.models.accounts import User
from commission.services import accounts, sessions, unit
from commission.services.throttle import Throttled
from commission.typography import typeset_date
from commission.web.i18n import current_locale, render_message
from commission.web.labels import ROLE_LABELS
from commission.web.shell import current_user, plain_http_refused


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        401: (_("Login needed"), _("Log in to see this page.")),
        403: (_("Access refused"), _("Your role does not allow you to see this page or do this.")),
        404: (_("Page not found"), _("This page or record does not exist, or no longer exists.")),
        405: (_("Action not allowed"), _("This page cannot be used this way.")),
        409: (_("Changed meanwhile"), _("This record changed meanwhile: reload the page and try again.")),
        413: (_("File too large"), _("What you sent is larger than the allowed size.")),
        429: (_("Too many attempts"), _("Too many failed attempts. Wait a few minutes before trying again.")),
        500: (_("Something went wrong"), _("The error has been recorded. Nothing was changed; try again later.")),
        503: (_("Not available now"),
              _("This cannot be done at the moment. Nothing was changed; try again in a moment.")),
    }


def _roll_back() -> None:
    """Before any error page: undo the unit of work, so that the page draws on a usable session."""
    session = g.get("db")
    if session is not None:
        unit.rollback(session)


def _why(code: int) -> str | None:
    """Why a page is refused or missing, in words the reader can act on."""
    user = current_user()
    if code == 403 and user is not None:
        return _("Your role (%(role)s) does not give access to it: each role sees what its task needs, and a "
                 "care team sees the files of the people it follows, no others. These files hold health data.",
                 role=ROLE_LABELS[user.role])
    if code == 404:
        return _("The address may be mistyped or come from an old link. Nothing is deleted here: a file closed "
                 "or withdrawn can still be found from the list.")
    return None


def _helpers(code: int) -> list[User]:
    """Who can help with a refused or missing page: the coordination, named (for a logged-in user only)."""
    session = g.get("db")
    if code not in (403, 404) or current_user() is None or session is None:
        return []
    try:
        return accounts.helpers(session)
    except DBAPIError:  # the page explains the refusal even when the database does not answer
        unit.rollback(session)
        return []


def error_page(code: int, detail: str | None = None) -> tuple[str, int]:
    _roll_back()
    titles = _titles()
    title, text = titles.get(code, titles[500 if code >= 500 else 400])
    return render_template("errors/error.html", code=code, title=title, text=detail or text, why=_why(code),
                           helpers=_helpers(code)), code


def throttled_text(until: datetime) -> str:
    """Until when a throttled attempt waits, in the user's language and time zone."""
    local, today = to_user_timezone(until), to_user_timezone(sessions.now())
    moment = format_time(until, "short") if local.date() == today.date() else format_datetime(until, "short")
    moment = typeset_date(moment, current_locale())
    return _("Too many failed attempts. You can try again from %(time)s.", time=moment)


def retry_after(until: datetime) -> dict[str, str]:
    """The ``Retry-After`` header of a throttled answer: whole seconds, at least one."""
    return {"Retry-After": str(max(1, math.ceil((until - sessions.now()).total_seconds())))}


def init_app(app: Flask) -> None:
    @app.errorhandler(Throttled)
    def throttled(error: Throttled) -> tuple[str, int, dict[str, str]]:
        body, status = error_page(429, throttled_text(error.until))
        return body, status, retry_after(error.until)

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        if (explained := plain_http_refused()) is not None:
            _roll_back()
            return explained
        return error_page(
            400, _("The form has expired or did not come from this site. Reload the page and try again.")
        )

    @app.errorhandler(CommissionError)
    def domain_error(error: CommissionError) -> tuple[str, int]:
        return error_page(error.status, render_message(error.message))

    @app.errorhandler(DBAPIError)
    @app.errorhandler(StaleDataError)
    def database_refused(error: Exception) -> tuple[str, int]:
        _roll_back()
        if unit.is_concurrent_write(error):
            return error_page(409)
        app.logger.exception("database error", exc_info=error)
        return error_page(500)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return error_page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        _roll_back()
        app.logger.exception("unexpected error", exc_info=error)
        return error_page(500)
