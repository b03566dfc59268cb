"""Every page, for every role and for an anonymous visitor: allowed, refused, or sent to login.

A test fails when a page is added without being placed in the matrix.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import World, login, post_form

ALL = {"coordinator", "care_a", "chair", "member", "treasurer", "landlord_a"}


def everyone_but(*roles: str) -> set[str]:
    return ALL - set(roles)


# path template -> roles allowed (200); every other role gets 403, anonymous gets sent to login.
PAGES: dict[str, set[str]] = {
    "/": ALL,
    "/account/password": ALL,
    "/places": everyone_but("care_a"),
    "/places/{place_a}": everyone_but("care_a"),
    "/reference": everyone_but("care_a", "landlord_a"),
    "/admin/users": {"coordinator"},
    "/admin/users/new": {"coordinator"},
    "/admin/audit": {"coordinator"},
}

# Pages anyone may see, logged in or not.
PUBLIC = {"/login"}

# Actions (POST only): the roles allowed to perform them.
ACTIONS: dict[str, set[str]] = {
    "/admin/users/{member}/active": {"coordinator"},
}


def fill(path: str, world: World) -> str:
    return path.format(place_a=world.place_a.id, place_b=world.place_b.id, member=world.users["member"].id)


def test_every_page_of_the_app_is_in_the_matrix(app: Flask) -> None:
    known = {path.split("{")[0].rstrip("/") or "/" for path in (*PAGES, *ACTIONS, *PUBLIC)}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule == "/logout":
            continue
        prefix = rule.rule.split("<")[0].rstrip("/") or "/"
        assert prefix in known, f"{rule.rule} is not in the access matrix"


@pytest.mark.parametrize("path", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_login(client: FlaskClient, world: World, path: str) -> None:
    response = client.get(fill(path, world))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize("path", sorted(PAGES))
def test_role_by_page(client: FlaskClient, world: World, role: str, path: str) -> None:
    login(client, role)
    response = client.get(fill(path, world))
    expected = 200 if role in PAGES[path] else 403
    assert response.status_code == expected, f"{role} on {path}"
    if expected == 403:
        assert "Accès refusé" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize("path", sorted(ACTIONS))
def test_role_by_action(client: FlaskClient, world: World, role: str, path: str) -> None:
    login(client, role)
    response = post_form(client, fill(path, world), {"active": "1"}, form_page="/")
    if role in ACTIONS[path]:
        assert response.status_code == 302
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_public_pages(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_a_landlord_cannot_reach_another_landlords_place(client: FlaskClient, world: World) -> None:
    login(client, "landlord_a")
    assert client.get(f"/places/{world.place_b.id}").status_code == 403
    listing = client.get("/places").get_data(as_text=True)
    assert world.place_a.reference in listing and world.place_b.reference not in listing


def test_navigation_shows_only_what_the_role_may_open(app: Flask, world: World) -> None:
    care, coordinator = app.test_client(), app.test_client()
    login(care, "care_a")
    html = care.get("/").get_data(as_text=True)
    assert 'href="/places"' not in html and 'href="/admin/users"' not in html
    login(coordinator, "coordinator")
    html = coordinator.get("/").get_data(as_text=True)
    assert 'href="/admin/users"' in html and 'href="/admin/audit"' in html
