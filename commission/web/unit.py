"""The request is the unit of work, in the manner of Indico's request handlers: the view parses,
the service checks access, acts and flushes, and the request commits once at its end; any exception
rolls back before an error page is drawn.

:func:`attempt` runs a form's service call and commits it at once, so that a refusal (bad input, a
step the rules refuse, a record changed meanwhile) can be shown on the same form with its values
kept. Whatever a view leaves uncommitted is committed by :func:`end_request` when the view has
succeeded, and rolled back when it answered with an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask import Flask, flash, g
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from commission.errors import CommissionError, ConcurrentChange, InvalidInput, TransitionRefused
from commission.services import unit
from commission.web.forms import attach_errors
from commission.web.i18n import render_message
from commission.web.shell import db

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """What became of a service call: its value, or the status and messages of its refusal."""

    value: T | None = None
    status: int = 200
    general: list[str] = field(default_factory=list)  # the messages that belong to no field of the form
    # Every message by the name of its field ("" for none), for a page whose fields are not a form's.
    errors: dict[str, list[str]] = field(default_factory=dict)
    refusal: CommissionError | None = None  # the refusal itself, for a page that places its messages by meaning

    def __bool__(self) -> bool:
        return self.status < 400


def attempt(action: Callable[[], T], form: FlaskForm | None = None, *, changed: str | None = None,
            flash_refusal: bool = False) -> Outcome[T]:
    """Run ``action`` (a service call) and commit the request's unit of work.

    A refusal rolls everything back: bad input (400) puts its messages on the form's fields; a step
    the rules refuse or a record changed meanwhile (409) gives its reason, ``changed`` in the latter
    case when the page has a better sentence. Messages that belong to no field are returned in
    ``general``, or flashed with ``flash_refusal`` (for a button that redirects back).
    """
    session = db()
    try:
        value = action()
        unit.commit(session)
    except InvalidInput as invalid:
        unit.rollback(session)
        outcome: Outcome[T] = Outcome(status=400, refusal=invalid, errors={
            name: [render_message(message) for message in messages] for name, messages in invalid.errors.items()})
        if form is not None:
            outcome.general = attach_errors(form, invalid)
        else:
            outcome.general = [render_message(message) for messages in invalid.errors.values() for message in messages]
    except ConcurrentChange as change:
        unit.rollback(session)
        outcome = Outcome(status=409, refusal=change, general=[changed or render_message(change.message)])
    except TransitionRefused as refusal:
        unit.rollback(session)
        outcome = Outcome(status=409, refusal=refusal,
                          general=[render_message(message) for message in refusal.messages])
    else:
        return Outcome(value=value)
    if outcome.status == 409:
        outcome.errors = {"": list(outcome.general)}
    if flash_refusal:
        for text in outcome.general:
            flash(text, "error")
    return outcome


def page_again(show: Callable[..., Any], refusal: Outcome[Any]) -> Any:
    """The record's page drawn again with a refused write: bad input by field (400: ``show(errors=...)``), or the
    reason why not (409: ``show(general=...)``). ``show`` draws the page from keywords (``status``, ``errors``,
    ``general``), bound to its record beforehand (``functools.partial``)."""
    if refusal.status == 400:
        return show(status=400, errors=refusal.errors)
    return show(status=refusal.status, general=refusal.general)


def page_status(form: FlaskForm | None, outcome: Outcome[Any] | None = None) -> int:
    """The status of a form's page: its refusal's, else 400 while a field has an error, else 200."""
    if outcome is not None and not outcome:
        return outcome.status
    return 400 if form is not None and form.errors else 200


def end_request(response: Response) -> Response:
    """Commit what a successful view left in its unit of work; roll back after an error answer.

    A commit refused because of a concurrent change answers 409 instead of the view's response.
    """
    session = g.get("db")
    if session is None:
        return response
    if response.status_code >= 400 or not unit.has_written(session):
        unit.rollback(session)
        return response
    try:
        unit.commit(session)
    except ConcurrentChange:
        from commission.web.errors import error_page

        body, status = error_page(409)
        return Response(body, status=status, mimetype="text/html")
    return response


def init_app(app: Flask) -> None:
    app.after_request(end_request)
