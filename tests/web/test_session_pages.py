"""The hearing day through its pages (issue 18): the chair runs the session from a tablet, the room follows it.

The rules the pages rest on are the services': a decision is adopted unanimously by the voting members
present unless exceptions are entered; every decision gives its reason, one of the commission's usual
reasons (kept by the coordinator only) or typed; the places offered are those that fit the request, in the
towns the person wished first; the session closes once every item is decided, and says until then how many
remain; "open the session" leads into the session; the room's screen holds the persons' initials only.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock
from commission.errors import InvalidInput
from commission.models import (
    AgendaItem,
    AttendanceStatus,
    Decision,
    Hearing,
    Recusal,
    UsualReason,
    Vote,
    VoteChoice,
)
from commission.services import hearings, stock
from tests.cases_helpers import TODAY
from tests.conftest import World, fresh, login, post_form
from tests.hearings_helpers import HEARING_DAY, attendance_of, plan, ready_case, sitting

ALLOCATION = "Le logement correspond au projet et aux besoins exprimés."


def usual(session: Session, world: World, decision: str, text: str) -> UsualReason:
    return hearings.add_usual_reason(session, world.users["coordinator"], decision, text)


def item_page(hearing: Hearing, item: AgendaItem) -> str:
    return f"/hearings/{hearing.id}/session/items/{item.id}"


def convened(session: Session, world: World, names: list[str]) -> Hearing:
    coordinator = world.users["coordinator"]
    for name in names:
        ready_case(session, world, name)
    hearing = plan(session, world)
    hearings.build_agenda(session, coordinator, hearing.id, hearing.version, today=TODAY)
    return hearings.fire_hearing(session, coordinator, hearing.id, "convene", expected_version=hearing.version,
                                 today=TODAY)


def test_a_decision_is_adopted_unanimously_but_for_the_exceptions(client: FlaskClient, session: Session,
                                                                   world: World) -> None:
    s = sitting(session, world, ["Ada", "Bea"])
    hearing = s.hearing
    # three voting members present: the chair, the member, and the landlord's representative
    landlord = attendance_of(hearing, world.users["landlord_a"].id)
    hearings.set_attendance(session, world.users["chair"], hearing.id, [hearings.AttendanceInput(landlord, "present")])
    chair, member = (attendance_of(hearing, world.users[name].id) for name in ("chair", "member"))
    login(client, "chair")
    first, second = hearing.items
    html = client.get(item_page(hearing, first)).get_data(as_text=True)
    assert "Adoptée à l’unanimité" in html or "Adoptée à l'unanimité" in html
    assert "3\u00a0membres votant" in html or "3 membres votant" in html
    # nothing entered: every voting member present votes for
    response = post_form(client, item_page(hearing, first), {"decision": "waiting_list", "reason": "Favourable"},
                         form_page=item_page(hearing, first))
    assert response.status_code == 302
    fresh(session)
    votes = {vote.attendance_id: vote.choice for vote in session.execute(
        select(Vote).where(Vote.item_id == first.id)).scalars()}
    assert votes == {chair: VoteChoice.IN_FAVOUR, member: VoteChoice.IN_FAVOUR, landlord: VoteChoice.IN_FAVOUR}
    # the exceptions: the member against, the landlord's representative withdrawn for a conflict of interest
    response = post_form(client, item_page(hearing, second), {
        "decision": "refuse", "reason": "Projet à construire", f"vote-{member}": "against",
        f"vote-{landlord}": "withdrawn"}, form_page=item_page(hearing, second))
    assert response.status_code == 302
    fresh(session)
    votes = {vote.attendance_id: vote.choice for vote in session.execute(
        select(Vote).where(Vote.item_id == second.id)).scalars()}
    assert votes == {chair: VoteChoice.IN_FAVOUR, member: VoteChoice.AGAINST}
    recused = session.execute(select(Recusal.attendance_id).where(Recusal.item_id == second.id)).scalars().all()
    assert recused == [landlord]


def test_an_exception_is_for_a_voting_member_present_who_did_not_withdraw(session: Session, world: World) -> None:
    s = sitting(session, world, ["Ada"])
    hearing, chair, item = s.hearing, world.users["chair"], s.hearing.items[0]
    excused, seat = (attendance_of(hearing, world.users[name].id) for name in ("landlord_a", "chair"))
    for votes, recusals in (({excused: "against"}, {}), ({seat: "abstain"}, {seat: ""}), ({seat: "maybe"}, {})):
        with pytest.raises(InvalidInput) as refused:
            hearings.decide_item(session, chair, hearing.id, item.id, hearings.DecisionInput(
                decision="waiting_list", reason="Favourable", votes=votes, recusals=recusals), today=HEARING_DAY)
        assert set(refused.value.errors) == {f"vote-{next(iter(votes))}"}
    fresh(session)
    assert session.get(AgendaItem, item.id).decision is None  # type: ignore[union-attr]
    assert session.execute(select(Vote)).first() is None


def test_every_decision_gives_its_reason_usual_or_typed(client: FlaskClient, session: Session,
                                                         world: World) -> None:
    allocation = usual(session, world, "allocate", ALLOCATION)
    refusal = usual(session, world, "refuse", "La personne relève d'une structure médicalisée.")
    s = sitting(session, world, ["Ada", "Bea", "Chloé"])
    hearing = s.hearing
    ada, bea, chloe = hearing.items
    login(client, "chair")
    page = item_page(hearing, ada)
    html = client.get(page).get_data(as_text=True)
    assert "Motif de la décision (obligatoire)" in html
    assert ALLOCATION in html and refusal.text.replace("'", "&#39;") in html
    # an allocation without a reason is refused, said in the words of every decision
    for decision in ("allocate", "waiting_list", "defer", "refuse"):
        response = post_form(client, page, {"decision": decision, "place_id": str(world.place_a.id)}, form_page=page)
        assert response.status_code == 400, decision
        assert "Indiquez le motif de la décision" in response.get_data(as_text=True)
    # a usual reason of another decision is no reason for this one
    response = post_form(client, page, {"decision": "allocate", "place_id": str(world.place_a.id),
                                        "usual_reason": str(refusal.id)}, form_page=page)
    assert response.status_code == 400
    fresh(session)
    assert session.get(AgendaItem, ada.id).decision is None  # type: ignore[union-attr]
    # the usual reason, in one tap
    response = post_form(client, page, {"decision": "allocate", "place_id": str(world.place_a.id),
                                        "usual_reason": str(allocation.id)}, form_page=page)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(item_page(hearing, bea))
    # a usual reason completed by the words typed; a reason typed alone
    post_form(client, item_page(hearing, bea), {"decision": "refuse", "usual_reason": str(refusal.id),
                                                "reason": "Orientation vers une MAS."}, form_page=page)
    post_form(client, item_page(hearing, chloe), {"decision": "waiting_list", "reason": "Aucune place adaptée."},
              form_page=page)
    fresh(session)
    reasons = [session.get(AgendaItem, item.id).reason for item in (ada, bea, chloe)]  # type: ignore[union-attr]
    assert reasons == [ALLOCATION, f"{refusal.text} — Orientation vers une MAS.", "Aucune place adaptée."]


def test_the_usual_reasons_are_kept_by_the_coordinator_only(app: Flask, session: Session, world: World) -> None:
    reason = usual(session, world, "defer", "Bilan de l'essai en appartement thérapeutique")
    for role in ("chair", "member", "care_a", "treasurer", "landlord_a", "dpo"):
        client = app.test_client()
        login(client, role)
        assert client.get("/hearings/usual-reasons").status_code == 403, role
        for path, data in (("/hearings/usual-reasons", {"decision": "refuse", "text": "Non"}),
                           (f"/hearings/usual-reasons/{reason.id}", {"text": "Changé"}),
                           (f"/hearings/usual-reasons/{reason.id}/active", {"active": "0"})):
            assert post_form(client, path, data, form_page="/").status_code == 403, (role, path)
    fresh(session)
    assert [(r.text, r.active) for r in session.execute(select(UsualReason)).scalars()] == [(reason.text, True)]

    coordinator = app.test_client()
    login(coordinator, "coordinator")
    html = coordinator.get("/hearings/usual-reasons").get_data(as_text=True)
    assert "Les motifs habituels des décisions" in html and "Bilan de l" in html
    assert 'href="/hearings/usual-reasons"' in coordinator.get("/hearings").get_data(as_text=True)
    # a reason added, an empty one and a duplicate refused with their messages
    page = "/hearings/usual-reasons"
    assert post_form(coordinator, page, {"decision": "refuse", "text": "Projet à construire"}).status_code == 302
    response = post_form(coordinator, page, {"decision": "refuse", "text": "  "})
    assert response.status_code == 400 and "Écrivez le motif" in response.get_data(as_text=True)
    response = post_form(coordinator, page, {"decision": "refuse", "text": "Projet à construire"})
    assert response.status_code == 400 and "déjà dans la liste" in response.get_data(as_text=True)
    response = post_form(coordinator, page, {"decision": "nonsense", "text": "Autre"})
    assert response.status_code == 400
    # its words changed, then retired: no longer offered at the session, kept in the list; then offered again
    fresh(session)
    added = session.execute(select(UsualReason).where(UsualReason.text == "Projet à construire")).scalar_one()
    assert post_form(coordinator, f"{page}/{added.id}", {"text": "Projet de soin à construire",
                                                         "version": str(added.version)},
                     form_page=page).status_code == 302
    fresh(session)
    assert post_form(coordinator, f"{page}/{added.id}/active", {"active": "0", "version": str(added.version)},
                     form_page=page).status_code == 302
    fresh(session)
    assert [reason.text for reason in hearings.usual_reasons(session)[Decision.REFUSE]] == []
    assert [(r.text, r.active) for r in hearings.usual_reasons(session, retired=True)[Decision.REFUSE]] == [
        ("Projet de soin à construire", False)]
    assert "Proposer de nouveau" in coordinator.get(page).get_data(as_text=True)
    post_form(coordinator, f"{page}/{added.id}/active", {"active": "1"}, form_page=page)
    fresh(session)
    assert [reason.text for reason in hearings.usual_reasons(session)[Decision.REFUSE]] == [
        "Projet de soin à construire"]


def test_the_places_offered_fit_the_request_in_the_wished_towns_first(client: FlaskClient, session: Session,
                                                                      world: World) -> None:
    coordinator = world.users["coordinator"]
    # a place upstairs, without a lift: not for a person who needs the ground floor
    stock.create_place(session, coordinator, stock.PlaceInput(
        reference="APP-UP", kind="apartment", town_id=str(world.towns["Ronchin"].id), address="4 rue Haute",
        organisation_id=str(world.landlord_a.id), rent="300", charges="50", deposit="300", floor="3"), today=TODAY)
    # a hostel place: not the kind asked for
    stock.create_place(session, coordinator, stock.PlaceInput(
        reference="FOY-001", kind="hostel_place", town_id=str(world.towns["Lesquin"].id), address="Foyer",
        organisation_id=str(world.landlord_b.id), rent="300", charges="50", deposit="300"), today=TODAY)
    s = sitting(session, world, ["Ada"])  # Ada wishes Ronchin, and needs the ground floor
    case = s.cases[0]
    fresh(session)
    places = hearings.fitting_places(session, case)
    assert [place.reference for place in places] == ["APP-001", "APP-002"]  # Ronchin (wished), then Lesquin
    login(client, "chair")
    html = client.get(item_page(s.hearing, s.hearing.items[0])).get_data(as_text=True)
    wished, others = html.index("Dans les communes souhaitées"), html.index("Dans les autres communes")
    assert wished < html.index("APP-001") < others < html.index("APP-002")
    assert "APP-UP" not in html and "FOY-001" not in html
    # a person who wished Lesquin sees Lesquin's place first
    fresh(session)
    case.wished_towns = [world.towns["Lesquin"]]
    case.needs_ground_floor = False
    session.commit()
    assert [place.reference for place in hearings.fitting_places(session, case)] == ["APP-002", "APP-001", "APP-UP"]


def test_a_further_candidate_takes_the_next_rank_when_none_is_given(session: Session, world: World) -> None:
    s = sitting(session, world, ["Ada", "Bea", "Chloé"])
    hearing, chair = s.hearing, world.users["chair"]
    ada, bea, chloe = hearing.items
    hearings.decide_item(session, chair, hearing.id, ada.id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Adapté"), today=HEARING_DAY)
    for item in (bea, chloe):
        hearings.decide_item(session, chair, hearing.id, item.id, hearings.DecisionInput(
            decision="ranked", place_id=str(world.place_a.id), reason="Second rang"), today=HEARING_DAY)
    fresh(session)
    assert [session.get(AgendaItem, item.id).rank for item in (ada, bea, chloe)] == [1, 2, 3]  # type: ignore[union-attr]


def test_the_session_closes_once_every_item_is_decided_and_says_how_many_remain(
        client: FlaskClient, session: Session, world: World) -> None:
    s = sitting(session, world, ["Ada", "Bea"])
    hearing = s.hearing
    login(client, "chair")
    html = client.get(f"/hearings/{hearing.id}/session").get_data(as_text=True)
    assert "Clore la séance" not in html
    assert "Restent 2\u00a0points à décider" in html or "Restent 2 points à décider" in html
    assert "Clore la séance" not in client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    # the item in hand is the page's primary button, and takes the focus
    first = hearing.items[0]
    assert re.search(rf'<a class="button big" href="/hearings/{hearing.id}/session/items/{first.id}"\s+autofocus',
                     html)
    hearings.decide_item(session, world.users["chair"], hearing.id, first.id, hearings.DecisionInput(
        decision="waiting_list", reason="Favourable"), today=HEARING_DAY)
    html = client.get(f"/hearings/{hearing.id}/session").get_data(as_text=True)
    assert "Clore la séance" not in html and ("Reste 1\u00a0point" in html or "Reste 1 point" in html)
    hearings.decide_item(session, world.users["chair"], hearing.id, hearing.items[1].id, hearings.DecisionInput(
        decision="waiting_list", reason="Favourable"), today=HEARING_DAY)
    html = client.get(f"/hearings/{hearing.id}/session").get_data(as_text=True)
    assert re.search(r'<button type="submit" class="big"\s+autofocus>Clore la séance</button>', html)
    response = post_form(client, f"/hearings/{hearing.id}/steps/close", {"version": str(hearing.version)},
                         form_page=f"/hearings/{hearing.id}/session")
    assert response.status_code == 302
    fresh(session)
    assert session.get(Hearing, hearing.id).state == "closed"  # type: ignore[union-attr]


def test_opening_the_session_leads_into_it_on_its_day_only(client: FlaskClient, session: Session,
                                                           world: World) -> None:
    hearing = convened(session, world, ["Ada", "Bea"])
    login(client, "chair")
    session_page = f"/hearings/{hearing.id}/session"
    # before the day: not offered; the page says when it opens; forced, it is refused and says why
    with clock.travel(TODAY):
        html = unescape(client.get(session_page).get_data(as_text=True))
        assert "Ouvrir la séance" not in html and "La séance s'ouvre le jour de la commission" in html
        response = post_form(client, f"/hearings/{hearing.id}/steps/open_session",
                             {"version": str(hearing.version)}, form_page=session_page)
        assert response.headers["Location"].endswith(session_page)
        assert "La séance s" in client.get(session_page).get_data(as_text=True)
    fresh(session)
    assert session.get(Hearing, hearing.id).state == "convened"  # type: ignore[union-attr]
    with clock.travel(datetime(2026, 3, 19, 13, 55, tzinfo=clock.COUNCIL_ZONE)):
        # the roll call first: everyone present in one tap, the page's primary button until it is taken
        html = client.get(session_page).get_data(as_text=True)
        assert re.search(r'<button type="submit" name="everyone" value="present" class="big"\s+autofocus>', html)
        assert post_form(client, session_page, {"everyone": "present"}).status_code == 302
        fresh(session)
        assert {attendance.status for attendance in session.get(Hearing, hearing.id).attendances} == {  # type: ignore[union-attr]
            AttendanceStatus.PRESENT}
        html = client.get(session_page).get_data(as_text=True)
        assert re.search(r'<button type="submit" class="big"\s+autofocus>Ouvrir la séance</button>', html)
        fresh(session)
        response = post_form(client, f"/hearings/{hearing.id}/steps/open_session",
                             {"version": str(session.get(Hearing, hearing.id).version)},  # type: ignore[union-attr]
                             form_page=session_page)
        assert response.status_code == 302 and response.headers["Location"].endswith(session_page)
        html = client.get(session_page).get_data(as_text=True)
        assert "La séance est ouverte." in html and "En séance" in html
        # each person's time slot, and the clock: five minutes before the first slot
        first = session.get(Hearing, hearing.id).items[0]  # type: ignore[union-attr]
        item_html = unescape(client.get(item_page(hearing, first)).get_data(as_text=True))
        assert "de 14\u00a0h à 14\u00a0h\u00a020" in item_html
        assert "La séance a 5 minutes d'avance sur l'horaire." in item_html
    with clock.travel(datetime(2026, 3, 19, 14, 32, tzinfo=clock.COUNCIL_ZONE)):
        html = unescape(client.get(session_page).get_data(as_text=True))
        assert "La séance a 12 minutes de retard." in html


def test_the_exceptions_of_the_roll_call_after_everyone_present(client: FlaskClient, session: Session,
                                                                world: World) -> None:
    hearing = convened(session, world, ["Ada"])
    login(client, "chair")
    page = f"/hearings/{hearing.id}/session"
    post_form(client, page, {"everyone": "present"})
    fresh(session)
    sheet = session.get(Hearing, hearing.id).attendances  # type: ignore[union-attr]
    member = attendance_of(hearing, world.users["member"].id)
    landlord = attendance_of(hearing, world.users["landlord_a"].id)
    form = {f"status-{attendance.id}": "present" for attendance in sheet}
    form.update({f"status-{member}": "excused", f"status-{landlord}": "represented"})
    response = post_form(client, page, form)
    assert response.status_code == 400  # who represents them is asked
    assert "Précisez qui représente User landlord_a." in response.get_data(as_text=True)
    form[f"represented_by-{landlord}"] = "Mme Leroy"
    assert post_form(client, page, form).status_code == 302
    fresh(session)
    statuses = {attendance.id: attendance.status for attendance in session.get(Hearing, hearing.id).attendances}  # type: ignore[union-attr]
    assert statuses[member] is AttendanceStatus.EXCUSED and statuses[landlord] is AttendanceStatus.REPRESENTED


def test_the_room_screen_holds_the_initials_only(app: Flask, session: Session, world: World) -> None:
    s = sitting(session, world, ["Ada", "Bea"])
    hearing = s.hearing
    hearings.decide_item(session, world.users["chair"], hearing.id, hearing.items[0].id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Projet adapté, proche de la famille"),
        today=HEARING_DAY)
    readers = {"coordinator": 200, "chair": 200, "member": 200, "landlord_a": 403, "care_a": 403, "treasurer": 403,
               "dpo": 403}
    for role, status in readers.items():
        client = app.test_client()
        login(client, role)
        response = client.get(f"/hearings/{hearing.id}/room.json")
        assert response.status_code == status, role
        assert client.get(f"/hearings/{hearing.id}/room").status_code == status, role
        if status != 200:
            continue
        text = response.get_data(as_text=True)
        data = json.loads(text)
        assert data["last"]["person"] == "A.M." and data["last"]["decision"] == "Place attribuée"
        assert data["current"]["person"] == "B.M." and data["current"]["position"] == 2
        assert data["current"]["slot"] == "de 14\u00a0h\u00a020 à 14\u00a0h\u00a040"
        for detail in ("Ada", "Bea", "Martin", "1980", "CMP", "Projet adapté", "APP-001", "Pasteur", "Curatelle"):
            assert detail not in text, (role, detail)
        page = client.get(f"/hearings/{hearing.id}/room").get_data(as_text=True)
        assert "A.M." in page and "Ada" not in page and "Martin" not in page
        assert 'data-refresh="5"' in page and 'src="/static/room.js"' in page


def test_the_room_refreshes_at_the_pace_the_settings_give(client: FlaskClient, session: Session, world: World,
                                                          app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    s = sitting(session, world, ["Ada"])
    monkeypatch.setitem(app.extensions, "commission.settings",
                        replace(app.extensions["commission.settings"], room_refresh_seconds=2))
    login(client, "chair")
    assert 'data-refresh="2"' in client.get(f"/hearings/{s.hearing.id}/room").get_data(as_text=True)


def test_the_lateness_is_said_on_the_hearings_day_only(session: Session, world: World) -> None:
    s = sitting(session, world, ["Ada"])
    hearing, item = s.hearing, s.hearing.items[0]  # its slot: 14 h to 14 h 20
    at = lambda day, hour, minute: datetime(2026, 3, day, hour, minute, tzinfo=clock.COUNCIL_ZONE)  # noqa: E731
    assert hearings.minutes_late(hearing, item, at(18, 14, 30)) is None
    assert hearings.minutes_late(hearing, item, at(19, 13, 45)) == -15
    assert hearings.minutes_late(hearing, item, at(19, 14, 10)) == 0
    assert hearings.minutes_late(hearing, item, at(19, 14, 27)) == 7
