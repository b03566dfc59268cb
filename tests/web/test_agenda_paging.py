"""A hearing's agenda, and its session, a page at a time (issue: the agenda was not paged).

The hearing's page shows twenty-five items a page, with the pager of the other lists (``?page=`` in the URL, the
filter kept), the counts by decision computed by the database; the session keeps running item by item (the item in
hand, previous and next, one tap to the next item to decide), its list of items shown on the item in hand's page;
the room's screen lists the next few items only and says how many follow. A page number out of range shows the last
page, a malformed one the first: never an error.
"""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.models import AgendaItem, Hearing
from commission.services import hearings
from tests.cases_helpers import TODAY
from tests.conftest import World, fresh, login, post_form
from tests.hearings_helpers import HEARING_DAY, plan, ready_case, sitting

SIZE = 55  # three pages of twenty-five


def names(count: int) -> list[str]:
    return [f"P{n:02d}" for n in range(1, count + 1)]


def agenda_positions(html: str) -> list[int]:
    """The positions of the items in the hearing page's agenda table, in the order shown."""
    table = html[html.index('id="agenda"'):]
    table = table[:table.index("</table>")]
    return [int(number) for number in re.findall(r"<tr>\s*<td>(\d+)</td>", table)]


def session_positions(html: str) -> list[int]:
    """The positions of the items the session's list shows, in the order shown."""
    listing = html[html.index('<ol class="session-items"'):]
    listing = listing[:listing.index("</ol>")]
    return [int(number) for number in re.findall(r"Point (\d+)\u00a0:", listing)]


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def decide(session: Session, world: World, hearing: Hearing, positions: list[int], decision: str = "waiting_list",
           ) -> None:
    by_position = {item.position: item for item in hearing.items}
    for position in positions:
        hearings.decide_item(session, world.users["chair"], hearing.id, by_position[position].id,
                             hearings.DecisionInput(decision=decision, reason="Motif"), today=HEARING_DAY)


@pytest.fixture
def long_session(session: Session, world: World) -> Hearing:
    """A hearing in session with fifty-five items, through the services."""
    return sitting(session, world, names(SIZE)).hearing


def test_the_agenda_is_shown_twenty_five_items_a_page(client: FlaskClient, long_session: Hearing) -> None:
    hearing = long_session
    login(client, "coordinator")
    first = client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert agenda_positions(first) == list(range(1, 26))
    assert "Page 1 sur 3" in first and link(first, "prev") is None
    assert f"{SIZE} points à l'ordre du jour" in first
    following = link(first, "next")
    assert following == f"/hearings/{hearing.id}?page=2#agenda"
    second = client.get(following).get_data(as_text=True)
    assert agenda_positions(second) == list(range(26, 51))  # items 26 to 50
    assert "P26 Martin" in second and "P25 Martin" not in second and "P51 Martin" not in second
    assert "Page 2 sur 3" in second and link(second, "prev") == f"/hearings/{hearing.id}?page=1#agenda"
    third = client.get(link(second, "next") or "").get_data(as_text=True)
    assert agenda_positions(third) == list(range(51, SIZE + 1)) and link(third, "next") is None
    # what the rest of the page shows is there still, on every page
    for html in (first, second, third):
        assert 'id="history-title"' in html and "L'ordre du jour (PDF)" in html


# a page number, and the page it shows: past the end the last, malformed the first
ASKED = {"99": 3, "4": 3, "99999999999999999999999": 3, "abc": 1, "-2": 1, "0": 1, "": 1, "2.5": 1, "²": 1,
         "1e3": 1, " 2": 2}


def test_a_page_out_of_range_or_malformed_shows_the_last_or_the_first(client: FlaskClient,
                                                                      long_session: Hearing) -> None:
    hearing = long_session
    login(client, "chair")
    for path in (f"/hearings/{hearing.id}", f"/hearings/{hearing.id}/session"):
        for asked, shown in ASKED.items():
            response = client.get(path, query_string={"page": asked})
            assert response.status_code == 200, (path, asked)
            assert f"Page {shown} sur 3" in response.get_data(as_text=True), (path, asked)


def test_the_counts_are_by_decision_and_the_filter_is_kept_by_the_pager(
        client: FlaskClient, session: Session, world: World, long_session: Hearing) -> None:
    hearing = long_session
    decide(session, world, hearing, [1, 2])
    decide(session, world, hearing, [3], decision="refuse")
    login(client, "coordinator")
    html = unescape(client.get(f"/hearings/{hearing.id}").get_data(as_text=True))
    assert "Points décidés\u00a0: 3 sur 55" in html
    assert "Tous les points (55)" in html and "À décider (52)" in html
    assert "Avis favorable, liste d'attente (2)" in html and "Refusé (1)" in html
    # one decision's items only
    refused = client.get(f"/hearings/{hearing.id}?decision=refuse").get_data(as_text=True)
    assert agenda_positions(refused) == [3] and "Page 1 sur" not in refused
    assert '<strong aria-current="true">Refusé (1)</strong>' in refused
    # the items still to decide: three pages less three items, the filter kept from page to page
    undecided = client.get(f"/hearings/{hearing.id}?decision=undecided").get_data(as_text=True)
    assert agenda_positions(undecided) == list(range(4, 29)) and "Page 1 sur 3" in undecided
    following = link(undecided, "next") or ""
    assert urlsplit(following).path == f"/hearings/{hearing.id}" and urlsplit(following).fragment == "agenda"
    assert query_of(following) == {"page": ["2"], "decision": ["undecided"]}
    second = client.get(following).get_data(as_text=True)
    assert agenda_positions(second) == list(range(29, 54))
    assert query_of(link(second, "prev") or "") == {"page": ["1"], "decision": ["undecided"]}
    # a filter that is no decision is ignored; one that matches nothing says so
    assert agenda_positions(client.get(f"/hearings/{hearing.id}?decision=bogus").get_data(as_text=True)) == list(
        range(1, 26))
    nothing = client.get(f"/hearings/{hearing.id}?decision=allocate").get_data(as_text=True)
    assert agenda_positions(nothing) == [] and "Aucun point de l'ordre du jour ne correspond." in nothing


def test_the_session_shows_the_page_of_the_item_in_hand_and_runs_item_by_item(
        client: FlaskClient, session: Session, world: World, long_session: Hearing) -> None:
    hearing = long_session
    decide(session, world, hearing, [*range(1, 28), 29])  # the item in hand: the 28th
    in_hand = next(item for item in hearing.items if item.position == 28)
    login(client, "chair")
    page = f"/hearings/{hearing.id}/session"
    html = client.get(page).get_data(as_text=True)
    assert session_positions(html) == list(range(26, 51))  # the page that holds the item in hand
    assert "Page 2 sur 3" in html and 'start="26"' in html
    assert re.search(r'<li class="current" aria-current="step">\s*<span class="slot">[^<]*</span>\s*'
                     rf'<span class="what"><a href="/hearings/{hearing.id}/session/items/{in_hand.id}">', html)
    assert "Points décidés\u00a0: 28 sur 55" in unescape(html) and "Restent 27 points à décider" in html
    # the item in hand is the page's primary button
    assert re.search(rf'<a class="button big" href="/hearings/{hearing.id}/session/items/{in_hand.id}"\s+autofocus>'
                     r"Point 28 sur 55", html)
    assert query_of(link(html, "prev") or "") == {"page": ["1"]}
    assert (link(html, "next") or "").endswith("#items")
    assert session_positions(client.get(f"{page}?page=1").get_data(as_text=True)) == list(range(1, 26))
    assert session_positions(client.get(f"{page}?page=3").get_data(as_text=True)) == list(range(51, SIZE + 1))

    # one item: its neighbours, its rank among all, the way back to its page of the session
    by_position = {item.position: item for item in hearing.items}
    item_html = client.get(f"{page}/items/{in_hand.id}").get_data(as_text=True)
    assert "Point 28 sur 55" in item_html
    assert link(item_html, "prev") == f"{page}/items/{by_position[27].id}"
    assert link(item_html, "next") == f"{page}/items/{by_position[29].id}"
    assert f'href="{page}?page=2">Tous les points et les présences' in item_html
    last = client.get(f"{page}/items/{by_position[SIZE].id}").get_data(as_text=True)
    assert link(last, "next") is None and link(last, "prev") == f"{page}/items/{by_position[SIZE - 1].id}"
    assert f'href="{page}?page=3">' in last
    first = client.get(f"{page}/items/{by_position[1].id}").get_data(as_text=True)
    assert link(first, "prev") is None and f'href="{page}?page=1">' in first

    # one tap to the next item to decide: after the one decided, skipping those decided already (29)
    decided = post_form(client, f"{page}/items/{in_hand.id}", {"decision": "waiting_list", "reason": "Motif"})
    assert decided.status_code == 302
    assert decided.headers["Location"].endswith(f"{page}/items/{by_position[30].id}")
    # the last item to decide decided: back to the session, to close it
    fresh(session)
    decide(session, world, hearing, list(range(30, SIZE)))
    undecided = select(AgendaItem.position).where(AgendaItem.hearing_id == hearing.id, AgendaItem.decision.is_(None))
    assert list(session.execute(undecided).scalars()) == [SIZE]
    done = post_form(client, f"{page}/items/{by_position[SIZE].id}", {"decision": "waiting_list", "reason": "Motif"})
    assert done.headers["Location"].endswith(page)
    html = client.get(page).get_data(as_text=True)
    assert "Page 1 sur 3" in html and "Clore la séance" in html


def test_the_next_item_to_decide_wraps_to_the_agenda_start(client: FlaskClient, session: Session, world: World,
                                                           ) -> None:
    hearing = sitting(session, world, names(4)).hearing
    by_position = {item.position: item for item in hearing.items}
    decide(session, world, hearing, [1, 3])
    login(client, "chair")
    page = f"/hearings/{hearing.id}/session/items"
    response = post_form(client, f"{page}/{by_position[4].id}", {"decision": "waiting_list", "reason": "Motif"})
    assert response.headers["Location"].endswith(f"{page}/{by_position[2].id}")


def test_the_room_lists_the_next_items_and_says_how_many_follow(app: Flask, long_session: Hearing) -> None:
    hearing = long_session
    client = app.test_client()
    login(client, "member")
    data = json.loads(client.get(f"/hearings/{hearing.id}/room.json").get_data(as_text=True))
    assert data["current"]["position"] == 1 and data["current"]["person"] == "P.M."
    coming = data["to_come"]
    assert [item["position"] for item in coming[:-1]] == list(range(2, 2 + hearings.ROOM_TO_COME))
    rest = SIZE - 1 - hearings.ROOM_TO_COME
    assert coming[-1] == {"more": rest, "text": f"Et encore {rest} points à décider."}
    assert data["progress"] == "Points décidés\u00a0: 0 sur 55"
    html = client.get(f"/hearings/{hearing.id}/room").get_data(as_text=True)
    assert f"Et encore {rest} points à décider." in html


def test_a_change_of_the_agenda_comes_back_to_its_page(client: FlaskClient, session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    for name in names(30):
        ready_case(session, world, name)
    hearing = plan(session, world)
    hearings.build_agenda(session, coordinator, hearing.id, hearing.version, today=TODAY)
    item = next(item for item in hearing.items if item.position == 27)
    login(client, "coordinator")
    shown = f"/hearings/{hearing.id}?page=2"
    html = client.get(shown).get_data(as_text=True)
    assert agenda_positions(html) == list(range(26, 31))
    assert '<input type="hidden" name="page" value="2">' in html
    response = post_form(client, f"/hearings/{hearing.id}/agenda/{item.id}/move", {"direction": "up", "page": "2"},
                         form_page=shown)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/hearings/{hearing.id}?page=2#agenda")
    fresh(session)
    assert session.get(AgendaItem, item.id).position == 26  # type: ignore[union-attr]
