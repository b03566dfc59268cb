"""Long listings are split into pages; the pager keeps the filters; a page past the end shows the last."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import World, login
from tests.volume import grow


def references(html: str) -> list[str]:
    return re.findall(r'href="/places/\d+">([^<]+)</a>', html)


def test_places_are_listed_fifty_at_a_time(client: FlaskClient, session: Session, world: World) -> None:
    grow(session, world, 120, "p")
    login(client, "coordinator")
    first = client.get("/places?kind=apartment").get_data(as_text=True)
    assert len(references(first)) == 50
    assert "Page 1 sur 3" in first
    assert 'href="/places?page=2&amp;kind=apartment" rel="next"' in first
    second = client.get("/places?kind=apartment&page=2").get_data(as_text=True)
    assert len(references(second)) == 50
    assert not set(references(first)) & set(references(second))
    last = client.get("/places?kind=apartment&page=99").get_data(as_text=True)
    assert "Page 3 sur 3" in last and 'rel="next"' not in last
    assert len(references(last)) == 122 - 100  # the world's two places, and the 120 added
    assert client.get("/places?page=abc").status_code == 200  # a malformed page number shows the first


def test_accounts_are_listed_fifty_at_a_time(client: FlaskClient, session: Session, world: World) -> None:
    grow(session, world, 600, "u")  # sixty accounts more
    login(client, "coordinator")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Page 1 sur 2" in html and 'href="/admin/users?page=2" rel="next"' in html
