"""The integration API against its own OpenAPI document (generated from the code): Schemathesis generates
requests for every operation, a bounded and deterministic number of them, and checks that none answers 5xx and
every answer matches the document; and every operation in the document refuses a request without a token (401)
and a token without its scope (403)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from commission.config import Settings
from tests.api_helpers import API, bearer
from tests.conftest import World, starting_scenario
from tests.databases import Restored, Scenario

# The token that holds each scope, and one that lacks it.
HOLDER = {"places:read": "landlord_a", "places:declare": "landlord_a", "applications:read": "hospital",
          "ledger:read": "accountant", "events:read": "hospital"}
LACKING = {"places:read": "accountant_ledger", "places:declare": "landlord_a_read",
           "applications:read": "accountant_ledger", "ledger:read": "landlord_a_read",
           "events:read": "accountant_ledger"}
EXAMPLES = 8  # per operation: the whole run stays within seconds


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    return starting_scenario(request, ids=API, world=API)


@pytest.fixture
def ids(restored: Restored) -> dict[str, Any]:
    return restored.ids


@pytest.fixture
def api_app(app: Flask, settings: Settings) -> Flask:
    # Enough requests for the generated examples: the rate limit is tested in tests/test_api.py.
    app.extensions["commission.settings"] = dataclasses.replace(settings, api_rate_limit=10_000)
    return app


def _scope(document: dict[str, Any], path: str, method: str) -> str:
    (requirement,) = document["paths"][path][method]["security"]
    (scopes,) = requirement.values()
    (scope,) = scopes
    return str(scope)


def test_every_operation_matches_the_document(api_app: Flask, ids: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    document = api_app.test_client().get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    for operation in operations:
        token = ids["secrets"][HOLDER[_scope(document, operation.path, operation.method.lower())]]
        exercise(operation, token, GenerationMode.POSITIVE)
        if operation.query or operation.body:  # invalid parameters and bodies: refused with a documented 422
            exercise(operation, token, GenerationMode.NEGATIVE)


def exercise(operation: Any, token: str, mode: GenerationMode) -> None:
    """Generated requests to one operation, with a token that holds its scope: never a 5xx, always as documented."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=bearer(token))
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                 content_type_conformance, response_schema_conformance])

    check()


def test_every_operation_refuses_a_missing_token_and_a_missing_scope(api_app: Flask, client: FlaskClient,
                                                                     world: World, ids: dict[str, Any]) -> None:
    document = client.get("/api/v1/openapi.json").json
    values = {"place_id": world.place_a.id, "reference": ids["submitted_ref"]}
    checked = 0
    for path, methods in document["paths"].items():
        url = path.format(**values)
        for method in methods:
            scope = _scope(document, path, method)
            body = {"json": {"available_from": "2026-04-01"}} if method == "post" else {}
            none = client.open(url, method=method.upper(), **body)
            assert none.status_code == 401 and none.json["error"] == "unauthorized", (method, path)
            lacking = client.open(url, method=method.upper(), headers=bearer(ids["secrets"][LACKING[scope]]), **body)
            assert lacking.status_code == 403 and lacking.json["error"] == "forbidden", (method, path)
            holding = client.open(url, method=method.upper(), headers=bearer(ids["secrets"][HOLDER[scope]]), **body)
            assert holding.status_code in (200, 201), (method, path, holding.json)
            checked += 1
    assert checked == 7
