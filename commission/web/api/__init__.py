"""The integration API under ``/api/v1``: JSON only, a bearer token per integration, CSRF exempt (no cookie is
used), the same policy as the pages (:mod:`commission.policy.integrations`), every refusal a JSON body (never an
HTML page, never a traceback). Its OpenAPI 3.1 document is generated from the routes and their pydantic models by
SpecTree and served at ``/api/v1/openapi.json``.

Each request is authenticated (unknown, expired or revoked: 401 at once), checked for the operation's scope (403),
counted against the token's rate limit (429 with ``Retry-After``), then validated (422) and served.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, current_app, g, request
from flask.typing import ResponseReturnValue
from spectree import Response as Responses
from spectree import SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from commission.errors import CommissionError, InvalidInput
from commission.i18n import msg
from commission.models.integrations import IntegrationToken
from commission.policy.integrations import SCOPE_DESCRIPTIONS, Scope
from commission.services import unit
from commission.services.integrations import tokens
from commission.web.api.schemas import ApiError
from commission.web.i18n import render_message
from commission.web.shell import db, settings

F = TypeVar("F", bound=Callable[..., Any])

PREFIX = "/api/v1"
SCHEME = "bearer"
bp = Blueprint("api", __name__, url_prefix=PREFIX)

CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "not_allowed",
         409: "conflict", 413: "too_large", 422: "invalid", 429: "rate_limited", 503: "unavailable"}


def _error_body(status: int, message: str, fields: dict[str, list[str]] | None = None) -> Response:
    body = ApiError(error=CODES.get(status, "error"), message=message, fields=fields or {})
    return Response(body.model_dump_json(), status=status, mimetype="application/json")


def _validation_refused(_request: Any, response: Any, error: Exception | None, _instance: Any,
                        _adapter: Any) -> None:
    """SpecTree's hook before a view: a request its models refuse gets the API's error body (422)."""
    if error is None or response is None:
        return
    fields: dict[str, list[str]] = {}
    for item in getattr(error, "errors", lambda: [])():
        name = ".".join(str(part) for part in item.get("loc", ())) or "request"
        fields.setdefault(name, []).append(str(item.get("msg", "")))
    response.set_data(_error_body(422, render_message(msg("The request is not valid.")), fields).get_data())
    response.mimetype = "application/json"


spec = SpecTree(
    "flask", mode="strict", title="commission — integration API", version="1",
    description=("The integration API of the apartment commission, for the council's partners: a landlord reads "
                 "its own places and declares their availability, the hospital follows the state of the "
                 "applications, the accountant reads the ledger. Each request carries an `Authorization: Bearer "
                 "cmsn_...` token issued by the coordinator; each operation names the scope it needs. Requests are "
                 "rate limited per token (429 with Retry-After)."),
    security_schemes=[SecurityScheme(name=SCHEME, data=SecuritySchemeData(
        type=SecureType.HTTP, scheme="bearer", bearer_format="cmsn_ token",
        description="A token issued by the coordinator. Scopes: " + "; ".join(
            f"`{scope.value}`: {SCOPE_DESCRIPTIONS[scope]}" for scope in Scope)))],
    security={SCHEME: []}, validation_error_status=422, validation_error_model=ApiError,
    before=_validation_refused, naming_strategy=lambda model: model.__name__)


def responses(**models: Any) -> Responses:
    """The operation's answers: its own, and the refusals every operation may give."""
    return Responses(**models, HTTP_401=ApiError, HTTP_403=ApiError, HTTP_404=ApiError, HTTP_429=ApiError)


def needs(scope: Scope) -> Callable[[F], F]:
    """The scope an operation needs: checked before the request is validated or served (and again by the service)."""

    def mark(view: F) -> F:
        view.api_scope = scope  # type: ignore[attr-defined]
        return view

    return mark


def operation(scope: Scope, **validate: Any) -> Callable[[F], F]:
    """An operation of the API: its scope (in the document's security requirement too) and its models."""

    def wrap(view: F) -> F:
        validated = spec.validate(security={SCHEME: [scope.value]}, **validate)(view)
        return cast(F, needs(scope)(validated))

    return wrap


def current_token() -> IntegrationToken:
    return cast(IntegrationToken, g.api_token)


@bp.before_request
def _authenticate() -> Response | None:
    if request.endpoint == "api.openapi":
        return None
    session = db()
    token = tokens.authenticate(session, request.headers.get("Authorization"))
    view = current_app.view_functions.get(request.endpoint or "")
    scope = getattr(view, "api_scope", None)
    if scope is not None:
        tokens.require_scope(token, scope)
    tokens.count_request(session, settings(), token)
    g.api_token = token
    return None


@bp.after_request
def _json_only(response: Response) -> Response:
    """Whatever refused a request to the API before its views (the HTTPS check of every request, say) answers in
    JSON here too: the API never answers with an HTML page."""
    if response.status_code >= 400 and response.mimetype != "application/json":
        text = msg("The integration API answers over HTTPS only.") if response.status_code == 403 else msg(
            "The request is not valid.")
        body = _error_body(response.status_code, render_message(text))
        response.set_data(body.get_data())
        response.mimetype = "application/json"
    return response


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 document of this API, generated from its routes and models."""
    return Response(json.dumps(spec.spec, ensure_ascii=False), mimetype="application/json")


def _refused(error: CommissionError) -> Response:
    unit.rollback(db())
    fields: dict[str, list[str]] = {}
    status = error.status
    if isinstance(error, InvalidInput):
        status = 422
        fields = {name: [render_message(message) for message in messages] for name, messages in error.errors.items()}
    response = _error_body(status, render_message(error.message), fields)
    if isinstance(error, tokens.RateLimited):
        response.headers["Retry-After"] = str(error.seconds)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="commission"'
    return response


def _http_error(error: HTTPException) -> Response:
    if error.response is not None:  # SpecTree's own answer (a refused request: its body is the API's)
        return cast(Response, error.response)
    status = error.code or 500
    text = {404: msg("This record does not exist."), 405: msg("This operation does not accept this method.")}.get(
        status, msg("The request is not valid."))
    return _error_body(status, render_message(text))


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


@bp.errorhandler(CommissionError)
def _refused_here(error: CommissionError) -> Response:
    return _refused(error)


@bp.errorhandler(HTTPException)
def _http_error_here(error: HTTPException) -> Response:
    return _http_error(error)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    unit.rollback(db())
    current_app.logger.exception("unexpected error in the API", exc_info=error)
    return _error_body(500, render_message(msg("The error has been recorded. Nothing was changed; try again later.")))


def init_app(app: Flask) -> None:
    """Register the blueprint, and answer in JSON the errors of a request under /api/v1 that no route matched."""
    from commission.web import csrf
    from commission.web import errors as pages

    csrf.exempt(bp)
    app.register_blueprint(bp)

    def unmatched(error: HTTPException) -> ResponseReturnValue:
        if is_api_request():
            return _http_error(error)
        return pages.error_page(error.code or 500)

    app.register_error_handler(NotFound, unmatched)
    app.register_error_handler(MethodNotAllowed, unmatched)


# The operations, added to the blueprint as their module is imported.
from commission.web.api import views  # noqa: E402, F401
