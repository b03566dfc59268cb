"""The prospects' pages (issue 21): recorded, moved step by step from their page, signed by the coordinator; the
diagram of their steps; a member of the sub-group takes the steps but cannot sign."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock
from commission.i18n import translations
from commission.models import Agreement, Prospect
from commission.services import accounts
from commission.workflow.prospect import PROSPECT_MACHINE
from tests.conftest import World, fresh, login, post_form


def version(session: Session, prospect_id: int) -> str:
    fresh(session)
    prospect = session.get(Prospect, prospect_id)
    assert prospect is not None
    return str(prospect.version)


def record(client: FlaskClient) -> int:
    response = post_form(client, "/subgroup/prospects/new", {
        "name": "Foyer Saint-Roch", "kind": "hostel", "town_id": "", "organisation_id": "",
        "contact_name": "M. Dupuis", "contact_role": "Directeur", "phone": "", "email": "",
        "places_announced": "3", "place_kind": "hostel_place", "notes": "", "next_action": "Le rappeler",
        "next_action_due": "", "follower_id": "",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    match = re.fullmatch(r"/subgroup/prospects/(\d+)", response.headers["Location"])
    assert match
    return int(match.group(1))


def take(client: FlaskClient, session: Session, prospect_id: int, trigger: str, **data: str):  # type: ignore[no-untyped-def]
    page = f"/subgroup/prospects/{prospect_id}"
    return post_form(client, f"{page}/steps/{trigger}", {
        "on": clock.today().isoformat(), "note": "", "next_action": "", "next_action_due": "",
        "version": version(session, prospect_id), **data}, form_page=page)


def test_a_prospect_recorded_moved_and_signed_from_its_pages(client: FlaskClient, session: Session,
                                                             world: World) -> None:
    login(client, "coordinator")
    listing = client.get("/subgroup/prospects").get_data(as_text=True)
    assert 'href="/subgroup/prospects/new"' in listing and 'href="/subgroup/prospects/diagram"' in listing
    assert 'href="/subgroup"' in listing
    prospect_id = record(client)
    page = f"/subgroup/prospects/{prospect_id}"
    html = client.get(page).get_data(as_text=True)
    assert "Foyer Saint-Roch" in html and f'action="{page}/steps/meet"' in html and f"{page}/sign" not in html
    # the first step offered is the primary button, the others secondary
    buttons = re.findall(r'<button type="submit"( class="secondary")?>', html.split('id="steps-title"')[1])
    assert buttons[0] == "" and all(buttons[1:])

    future = (clock.today() + timedelta(days=1)).isoformat()
    refused = take(client, session, prospect_id, "meet", on=future)
    assert refused.status_code == 400 and 'id="meet-on" name="on"' in refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert take(client, session, prospect_id, "meet", note="Rencontre au foyer",
                next_action="Envoyer la convention type").status_code == 302
    html = unescape(client.get(page).get_data(as_text=True))
    assert "Rencontre au foyer" in html and "Envoyer la convention type" in html
    stale = post_form(client, f"{page}/steps/propose", {"on": clock.today().isoformat(), "version": "1"},
                      form_page=page)
    assert stale.status_code == 409
    assert take(client, session, prospect_id, "propose").status_code == 302
    assert take(client, session, prospect_id, "draft").status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert f'action="{page}/sign"' in html

    signed = post_form(client, f"{page}/sign", {
        "reference": "CONV-SR-1", "title": "Convention Saint-Roch", "start_date": clock.today().isoformat(),
        "end_date": "", "renewal": "none", "notice_months": "0", "signed_on": clock.today().isoformat(), "note": "",
        "version": version(session, prospect_id)}, form_page=page)
    assert signed.status_code == 302, signed.get_data(as_text=True)[:3000]
    fresh(session)
    agreement = session.execute(select(Agreement).where(Agreement.reference == "CONV-SR-1")).scalar_one()
    html = client.get(page).get_data(as_text=True)
    assert f'href="/agreements/{agreement.id}"' in html
    assert f"/places/new?agreement={agreement.id}" in html
    form = client.get(f"/places/new?agreement={agreement.id}&organisation={agreement.organisation_id}")
    assert re.search(rf'<option selected value="{agreement.id}"|<option value="{agreement.id}" selected',
                     form.get_data(as_text=True))


def test_the_diagram_is_an_svg_with_every_state(client: FlaskClient, world: World) -> None:
    login(client, "coordinator")
    response = client.get("/subgroup/prospects/diagram")
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert "<svg" in html
    gettext = translations("fr").gettext
    for state in PROSPECT_MACHINE.states:
        assert gettext(state.label) in html, state.name


def test_a_seated_member_takes_the_steps_but_does_not_sign(client: FlaskClient, session: Session,
                                                           world: World) -> None:
    accounts.set_housing_subgroup(session, world.users["coordinator"], world.users["member"].id, True)
    session.commit()
    login(client, "member")
    prospect_id = record(client)
    page = f"/subgroup/prospects/{prospect_id}"
    assert take(client, session, prospect_id, "propose").status_code == 302
    assert take(client, session, prospect_id, "draft").status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert f"{page}/sign" not in html and f'action="{page}/steps/abandon"' in html
    response = post_form(client, f"{page}/sign", {"reference": "X", "version": version(session, prospect_id)},
                         form_page=page)
    assert response.status_code == 403
    assert client.get("/agreements").status_code == 200  # reads the agreements
