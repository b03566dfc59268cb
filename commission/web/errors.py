"""Error pages in the user's language; no stack trace ever reaches a user."""

from __future__ import annotations

from flask import Flask, g, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from commission.errors import CommissionError
from commission.services import unit
from commission.web.i18n import render_message


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        401: (_("Login needed"), _("Log in to see this page.")),
        403: (_("Access refused"), _("Your role does not allow you to see this page or do this.")),
        404: (_("Page not found"), _("This page or record does not exist, or no longer exists.")),
        405: (_("Action not allowed"), _("This page cannot be used this way.")),
        409: (_("Changed meanwhile"), _("This record changed meanwhile: reload the page and try again.")),
        413: (_("File too large"), _("What you sent is larger than the allowed size.")),
        500: (_("Something went wrong"), _("The error has been recorded. Nothing was changed; try again later.")),
        503: (_("Not available now"),
              _("This cannot be done at the moment. Nothing was changed; try again in a moment.")),
    }


def _roll_back() -> None:
    """Before any error page: undo the unit of work, so that the page draws on a usable session."""
    session = g.get("db")
    if session is not None:
        unit.rollback(session)


def error_page(code: int, detail: str | None = None) -> tuple[str, int]:
    _roll_back()
    titles = _titles()
    title, text = titles.get(code, titles[500 if code >= 500 else 400])
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
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
