"""Every route of the URL map, and every form its pages show, with ids and numbers out of range: never a 500.

An id in a URL outside 1..2^31-1 (PostgreSQL's integer), negative, or written with a non-ASCII digit is a
404; in a query string or a form it is a clear 400, a message on the field, or a filter ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule

from commission.models import Deposit
from commission.parsing import MAX_ID
from tests.conftest import World, csrf_token, login
from tests.databases import Ids, Restored, Scenario
from tests.web.test_access_matrix import matrix_scenario

HUGE = str(10**30)
LARGEST = str(MAX_ID)  # an id the database holds, and a year no calendar does
IN_URLS = ("0", "-1", "²", HUGE, "٣")
IN_FIELDS = (HUGE, "-1", "²", "", LARGEST)
# The query parameters the pages read that take an id, a number or a date.
QUERY = ("page", "team", "town", "waiting", "year", "quarter", "version", "landlord", "user", "object_id",
         "incident", "person", "organisation", "from", "to")
# Form fields that take an id, a number, an amount or a date (the others are free text or choices).
NUMERIC_FIELD = re.compile(r"(_id|_ids|version|^year$|^quarter$|quorum|slot_minutes|rooms|surface_m2|floor|rent|"
                           r"charges|deposit|amount|refunded|retained|notice_months|_days|rank|votes|resources|"
                           r"date|_on$|^day$|^start_time$|position|direction)")
# Routes whose id the scenario does not hold: any id does (the view answers 404 for it).
TRIGGERS = {"cases": "withdraw", "hearings": "close", "places": "withdraw", "treasury": "cancel"}
ROLES = ("coordinator", "care_a", "treasurer")
DOWNLOADS = (".pdf", ".zip", ".csv", ".xlsx")  # slow to draw: walked once per value, by the coordinator


@pytest.fixture
def scenario() -> Scenario:
    """The access matrix's records, all at once: a file, an agreement, a hearing in session, a person housed
    (with the deposit of their place) with a meeting and an action (no signed minutes: their PDFs cost time)."""
    return matrix_scenario("{hearing}{housed}")


@pytest.fixture
def isolation() -> str:
    return "rollback"


@pytest.fixture
def records(world: World, restored: Restored, session: Session) -> Ids:
    deposit = session.execute(select(Deposit.id).order_by(Deposit.id)).scalars().first()
    return {**restored.ids, "deposit": deposit or 1, "place_a": world.place_a.id, "place_b": world.place_b.id,
            "member": world.users["member"].id, "landlord_b": world.landlord_b.id}


def real_value(rule: Rule, name: str, records: Ids) -> str:
    """A value of a URL parameter that names a real record of the scenario, where it holds one."""
    path = rule.rule
    by_name: dict[str, object] = {
        "user_id": records["member"], "agreement_id": records["agreement"], "document_id": records["document"],
        "action_id": records["action"], "meeting_id": records["meeting"], "year": records["year"],
        "hearing_id": records["hearing"], "item_id": records["item"],
        "organisation_id": records["landlord_b"], "applicant_id": records["applicant"],
        "deposit_id": records["deposit"], "entry_id": records["entry"], "contribution_id": 1,
        "place_id": records["covered"] if "detach" in path else records["place_a"],
        "case_id": records["housed"] if ("followup" in path or "exit" in path) else records["case"],
        "trigger": TRIGGERS.get(path.strip("/").split("/")[0], "withdraw"), "key": "places", "fmt": "csv",
        "filename": "style.css",
    }
    return str(by_name.get(name, 1))


def url(rule: Rule, records: Ids, **hostile: str) -> str:
    path = rule.rule
    for name in rule.arguments:
        value = hostile.get(name) or real_value(rule, name, records)
        path = re.sub(rf"<(?:[^<>:]+:)?{name}>", value, path)
    return path


def rules(app: Flask) -> Iterator[Rule]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if rule.endpoint != "static" and rule.rule != "/logout":
            yield rule


def int_arguments(rule: Rule) -> list[str]:
    return re.findall(r"<int:([^<>]+)>", rule.rule)


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


class Forms(HTMLParser):
    """The POST forms of a page: their action and the value each field sends as the page shows it."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            if values.get("method", "get").lower() == "post":
                self.forms.append((values.get("action", ""), {}))
            else:
                self.forms.append(("", {}))  # a GET form: its fields are query parameters, walked apart
            return
        if not self.forms or "name" not in values:
            if tag == "option" and self._select and self.forms and values.get("value"):
                self.forms[-1][1].setdefault(self._select, values["value"])
            return
        fields = self.forms[-1][1]
        name = values["name"]
        if tag == "select":
            self._select = name
        elif tag == "input" and values.get("type") in ("checkbox", "radio"):
            if "checked" in values:
                fields.setdefault(name, values.get("value", "y"))
        elif tag in ("input", "textarea"):
            fields.setdefault(name, values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def post_forms(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = Forms()
    parser.feed(html)
    return [(action, fields) for action, fields in parser.forms if action]


def test_ids_out_of_range_in_a_url_are_not_found(app: Flask, client: FlaskClient, records: Ids) -> None:
    login(client, "coordinator")
    token = csrf_token(client, "/")
    failures = []
    for rule in rules(app):
        for name in int_arguments(rule):
            for value in IN_URLS:
                path = url(rule, records, **{name: value})
                for method in methods(rule):
                    response = client.open(path, method=method, data={"csrf_token": token})
                    if response.status_code != 404:
                        failures.append(f"{method} {path}: {response.status_code}")
            # the largest id is within range: the record is not found, or (a year) the page says why
            path = url(rule, records, **{name: LARGEST})
            for method in methods(rule):
                status = client.open(path, method=method, data={"csrf_token": token}).status_code
                if status >= 500:
                    failures.append(f"{method} {path}: {status}")
    assert not failures, "\n".join(failures)


class Recorded(ImmutableMultiDict[str, str]):
    """The request's arguments and form, noting each name the view reads."""

    read: set[str] = set()

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:
        Recorded.read.add(key)
        return super().get(key, default, type)

    def __getitem__(self, key: str) -> str:
        Recorded.read.add(key)
        return super().__getitem__(key)

    def getlist(self, key: str, type: Any = None) -> list[Any]:
        Recorded.read.add(key)
        return super().getlist(key, type)


@pytest.fixture
def recording(app: Flask, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The names of the query parameters (and form fields) the last requests' views read."""
    request_class = type("RecordingRequest", (app.request_class,), {"parameter_storage_class": Recorded})
    monkeypatch.setattr(app, "request_class", request_class)
    Recorded.read = set()
    return Recorded.read


@pytest.mark.parametrize("role", ROLES)
def test_hostile_query_strings_never_fail(app: Flask, client: FlaskClient, records: Ids, recording: set[str],
                                          role: str) -> None:
    """Each page with every query parameter it reads, one at a time, then all those of :data:`QUERY` at once,
    out of range (the downloads, slow to draw, by the coordinator only). A page that reads none is left."""
    login(client, role)
    failures = []
    for rule in rules(app):
        if "GET" not in methods(rule):
            continue
        path = url(rule, records)
        if path.endswith(DOWNLOADS) and role != "coordinator":
            continue
        recording.clear()
        if client.get(path).status_code != 200:
            continue
        read = sorted(recording - {"lang", "next"})
        queries = [{name: value} for name in read for value in IN_FIELDS]
        queries += [dict.fromkeys(QUERY, value) for value in IN_FIELDS] if read else []
        for query in queries:
            response = client.get(path, query_string=query)
            if response.status_code >= 500:
                failures.append(f"GET {path}?{query}: {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_hostile_forms_never_fail(app: Flask, client: FlaskClient, records: Ids, role: str) -> None:
    """Each form that a page shows, sent back with one of its numeric fields out of range, then each POST
    route with every numeric field a form may have out of range at once."""
    login(client, role)
    token = csrf_token(client, "/")
    failures = []
    forms: dict[str, dict[str, str]] = {}
    for rule in rules(app):
        if "GET" in methods(rule) and not rule.rule.endswith((*DOWNLOADS, "fmt>")):
            response = client.get(url(rule, records))
            if response.status_code == 200 and response.mimetype == "text/html":
                for action, fields in post_forms(response.get_data(as_text=True)):
                    forms.setdefault(action, fields)
    for action, fields in sorted(forms.items()):
        for name in [name for name in fields if NUMERIC_FIELD.search(name)]:
            for value in IN_FIELDS:
                response = client.post(action, data={**fields, "csrf_token": token, name: value})
                if response.status_code >= 500:
                    failures.append(f"POST {action} {name}={value!r}: {response.status_code}")
    every_field = sorted({name for fields in forms.values() for name in fields if NUMERIC_FIELD.search(name)})
    for rule in rules(app):
        if "POST" in methods(rule):
            for value in IN_FIELDS:
                response = client.post(url(rule, records), data={**dict.fromkeys(every_field, value),
                                                                  "csrf_token": token})
                if response.status_code >= 500:
                    failures.append(f"POST {url(rule, records)} (all fields {value!r}): {response.status_code}")
    assert forms, "no form found on any page"
    assert not failures, "\n".join(failures)
