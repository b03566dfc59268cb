"""The coordinator's outbox, and the reminders on each user's home page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock
from commission.models.followup import SentMail
from commission.services import digest, reminders
from tests.conftest import World, fresh, login
from tests.followup_helpers import MOVE_IN
from tests.test_digest import DAY, scenario


def test_the_outbox_lists_the_digests_newest_first_and_shows_their_text(app: Flask, session: Session,
                                                                        world: World) -> None:
    s = scenario(session, world)
    digest.send_digests(session, None, DAY - timedelta(days=1))
    digest.send_digests(session, None, DAY)
    fresh(session)
    rows = session.execute(select(SentMail).order_by(SentMail.id)).scalars().all()
    assert len(rows) == 4
    coordinator = app.test_client()
    login(coordinator, "coordinator")
    listing = coordinator.get("/outbox").get_data(as_text=True)
    assert "soin.a@example.org" in listing and "coordination@example.org" in listing
    links = re.findall(r'href="/outbox/(\d+)"', listing)
    assert [int(found) for found in links] == [row.id for row in reversed(rows)]  # newest first
    page = coordinator.get(f"/outbox/{rows[-1].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert s.bea.reference in html and "Ada" not in html
    assert coordinator.get("/outbox?page=9").status_code == 200  # past the end: the last page
    assert coordinator.get("/outbox/999999").status_code == 404
    care = app.test_client()
    login(care, "care_a")
    assert care.get(f"/outbox/{rows[-1].id}").status_code == 403
    assert 'href="/outbox"' not in care.get("/").get_data(as_text=True)
    assert 'href="/outbox"' in coordinator.get("/").get_data(as_text=True)


def test_the_home_page_lists_each_users_reminders(app: Flask, session: Session, world: World) -> None:
    s = scenario(session, world)
    own, other, treasurer = app.test_client(), app.test_client(), app.test_client()
    login(own, "care_a")
    login(other, "care_b")
    login(treasurer, "treasurer")
    with clock.travel(DAY):
        html = own.get("/").get_data(as_text=True)
        # on the web, the team reads its people's names; the links lead to the file and the follow-up
        assert "Ada Martin" in html and "Bea Lefort" in html
        assert f'href="/cases/{s.ada.id}/followup"' in html and f'href="/cases/{s.bea.id}"' in html
        assert html.index("Bea Lefort") < html.index("Ada Martin")  # the urgent kind first
        assert "28 mai 2026" not in html and "18 mai 2026" in html  # dates in French
        assert '<li class="urgent">' in html
        for page in (other.get("/"), treasurer.get("/")):
            text = page.get_data(as_text=True)
            assert "Ada Martin" not in text and "Bea Lefort" not in text and 'class="urgent"' not in text
    with clock.travel(MOVE_IN - timedelta(days=1)):
        assert "Ada Martin" not in own.get("/").get_data(as_text=True)  # nothing late yet for Ada


def test_reminder_paths_are_the_applications_routes(app: Flask) -> None:
    """The e-mail builds its links without Flask: they must be the routes the application serves."""
    with app.test_request_context():
        for endpoint, pattern in reminders.PATHS.items():
            values: dict[str, Any] = {name: 7 for name in re.findall(r"{(\w+)}", pattern)}
            assert url_for(endpoint, **values) == pattern.format(**values), endpoint
