"""A test that calls a service directly acts as its caller would (the web request, the CLI command):
each such call is one unit of work, committed when it returns and rolled back when it raises.

Services flush and never commit (commission.services.unit); the request or the command commits once at
its end. In the tests, the outermost call of a service function, made outside any request and any
savepoint, is wrapped in ``unit_of_work``: what a test built is committed, as a user's request would
have committed it, so that the app (another session) and the concurrency races see it. Calls a service
makes to another go through unwrapped: the unit stays the outermost call.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from flask import has_request_context
from sqlalchemy.orm import Session

import commission.services
from commission.services import unit

_inside = ContextVar("inside_a_service_call", default=False)
# Not units of their own: the unit module itself, and jobs that manage their own transactions.
_SKIPPED = frozenset({"commission.services.unit", "commission.services.paging"})
# Steps that work inside their caller's unit by design (the tests call them to check exactly that).
_STEPS = frozenset({"commission.services.audit.record"})


def _as_unit(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        session = args[0] if args else kwargs.get("session")
        if (_inside.get() or has_request_context() or not isinstance(session, Session)
                or session.in_nested_transaction()):
            return function(*args, **kwargs)
        token = _inside.set(True)
        try:
            with unit.unit_of_work(session):
                return function(*args, **kwargs)
        finally:
            _inside.reset(token)

    call.__wrapped_as_unit__ = True  # type: ignore[attr-defined]
    return call


def install() -> None:
    """Wrap the public service functions that take a session first, in every service module."""
    for info in pkgutil.iter_modules(commission.services.__path__, "commission.services."):
        if info.name in _SKIPPED:
            continue
        module = importlib.import_module(info.name)
        for name, value in list(vars(module).items()):
            # A service split into a package re-exports its sections' functions: they are its own too.
            own = inspect.isfunction(value) and (value.__module__ == module.__name__ or (
                info.ispkg and value.__module__.startswith(module.__name__ + ".")))
            if (name.startswith("_") or not inspect.isfunction(value) or not own
                    or getattr(value, "__wrapped_as_unit__", False) or f"{info.name}.{name}" in _STEPS):
                continue
            parameters = list(inspect.signature(value).parameters)
            if parameters[:1] == ["session"]:
                setattr(module, name, _as_unit(value))
