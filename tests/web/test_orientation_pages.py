"""The orientation pages (issue 22): from the file, the form choosing structures grouped by need; its errors
summary; each orientation's steps taken from the file's page, a refusal shown with the form kept."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock
from commission.models.directory import Orientation, Structure, StructureKind
from tests.cases_helpers import new_case
from tests.conftest import World, fresh, login, post_form


def structures(session: Session, world: World) -> tuple[int, int, int]:
    rows = [Structure(name="GEM L'Escale", kind=StructureKind.MUTUAL_HELP_GROUP, town_id=world.towns["Ronchin"].id),
            Structure(name="CMP de Ronchin", kind=StructureKind.CMP, town_id=world.towns["Ronchin"].id),
            Structure(name="GEM fermé", kind=StructureKind.MUTUAL_HELP_GROUP, active=False)]
    session.add_all(rows)
    session.commit()
    return rows[0].id, rows[1].id, rows[2].id


def test_orient_from_the_file_and_record_the_answer(client: FlaskClient, session: Session, world: World) -> None:
    case = new_case(session, world)
    gem, cmp_, closed = structures(session, world)
    login(client, "care_a")
    client.get("/?lang=en")  # the assertions read the English texts
    page = f"/cases/{case.id}"
    html = client.get(page).get_data(as_text=True)
    assert 'id="orientations-title"' in html and "No orientation yet." in html
    assert f'class="button secondary" href="{page}/orientations/new"' in html  # the file is not ended
    form = client.get(f"{page}/orientations/new").get_data(as_text=True)
    assert "GEM L&#39;Escale" in form and "CMP de Ronchin" in form and "GEM fermé" not in form
    assert form.index("Care") < form.index("CMP de Ronchin") < form.index("Peer help") < form.index("GEM L&#39;Escale")
    assert "consent" in form and "no more of their health" in form
    today = clock.today()
    # Nothing chosen, no reason, a consent in the future: every problem at once, linked, the form kept.
    refused = post_form(client, f"{page}/orientations/new", {
        "reason": "", "request": "Garder le lien", "consent_on": (today + timedelta(days=1)).isoformat(),
        "sent_on": today.isoformat()}, form_page=f"{page}/orientations/new")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'class="error-summary"' in body and 'href="#structure_id"' in body and 'href="#reason"' in body
    assert 'href="#consent_on"' in body and "Garder le lien" in body
    assert session.execute(select(Orientation)).first() is None
    done = post_form(client, f"{page}/orientations/new", {  # type: ignore[dict-item]
        "structure_id": [str(gem), str(cmp_)], "reason": "Rompre l'isolement", "request": "",
        "consent_on": today.isoformat(), "sent_on": today.isoformat()}, form_page=f"{page}/orientations/new")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"{page}#orientations")
    fresh(session)
    made = {row.structure_id: row for row in session.execute(select(Orientation)).scalars()}
    assert set(made) == {gem, cmp_}
    html = client.get(page).get_data(as_text=True)
    step_url = f"{page}/orientations/{made[gem].id}/steps"
    assert f'action="{step_url}/accept"' in html and f'action="{step_url}/decline"' in html
    assert 'data-state="sent"' in html
    # Declined without the reason: the orientation's page, the form as typed, nothing recorded.
    late = post_form(client, f"{step_url}/decline", {"on": today.isoformat(), "note": "",
                                                    "version": str(made[gem].version)}, form_page=page)
    assert late.status_code == 400
    body = late.get_data(as_text=True)
    assert 'class="error-summary"' in body and f'href="#o{made[gem].id}-decline-note"' in body
    accepted = post_form(client, f"{step_url}/accept", {"on": today.isoformat(), "note": "Accueil dès lundi",
                                                        "version": str(made[gem].version)}, form_page=page)
    assert accepted.status_code == 302
    fresh(session)
    assert session.get(Orientation, made[gem].id).state == "accepted"  # type: ignore[union-attr]
    html = client.get(page).get_data(as_text=True)
    assert 'data-state="accepted"' in html and "Accueil dès lundi" in html and f'action="{step_url}/end"' in html
    # A stale version: refused with a message, 409.
    stale = post_form(client, f"{step_url}/end", {"on": today.isoformat(), "note": "", "version": "1"},
                      form_page=page)
    assert stale.status_code == 409
    assert closed  # never offered


def test_another_team_sees_neither_the_form_nor_the_steps(client: FlaskClient, session: Session,
                                                         world: World) -> None:
    case = new_case(session, world)
    gem, _, _ = structures(session, world)
    login(client, "care_b")
    assert client.get(f"/cases/{case.id}/orientations/new").status_code == 403
    post_form(client, "/logout", {}, form_page="/")
    login(client, "coordinator")
    page = f"/cases/{case.id}"
    done = post_form(client, f"{page}/orientations/new", {
        "structure_id": str(gem), "reason": "Lien social", "request": "", "consent_on": clock.today().isoformat(),
        "sent_on": clock.today().isoformat()}, form_page=f"{page}/orientations/new")
    assert done.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert re.search(r'data-state="sent"', html)
