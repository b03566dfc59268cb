"""Dates, numbers and euros follow the user's language."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import World, login


def test_amounts_are_shown_in_the_users_locale(client: FlaskClient, world: World) -> None:
    login(client, "coordinator")
    french = client.get(f"/places/{world.place_a.id}").get_data(as_text=True)
    assert "300,00\xa0€" in french or "300,00\u202f€" in french
    english = client.get(f"/places/{world.place_a.id}?lang=en").get_data(as_text=True)
    assert "€300.00" in english


def test_numbers_are_grouped_per_locale(client: FlaskClient, world: World) -> None:
    login(client, "coordinator")
    french = client.get("/reference").get_data(as_text=True)
    assert "18\u202f500" in french or "18\xa0500" in french
    english = client.get("/reference?lang=en").get_data(as_text=True)
    assert "18,500" in english
