"""The care team's side of an offer: the offer letter, the answer, the lease and the move-in date."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy.orm import Session

from commission import clock
from commission.models import Case
from commission.services import hearings
from tests.cases_helpers import step
from tests.conftest import World, fresh, login, post_form
from tests.hearings_helpers import HEARING_DAY, sitting


def test_offer_letter_answer_and_lease(app: Flask, session: Session, world: World) -> None:
    s = sitting(session, world, ["Ada"])
    hearings.decide_item(session, world.users["chair"], s.hearing.id, s.hearing.items[0].id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Fits"), today=HEARING_DAY)
    case_id = s.cases[0].id
    care = app.test_client()
    login(care, "care_a")
    letter = care.get(f"/cases/{case_id}/offer.pdf")
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
    with clock.travel(HEARING_DAY + timedelta(days=1)):  # while the offer can be answered, the page links its letter
        assert "offer.pdf" in care.get(f"/cases/{case_id}").get_data(as_text=True)
    other = app.test_client()
    login(other, "care_b")
    assert other.get(f"/cases/{case_id}/offer.pdf").status_code == 403
    fresh(session)
    step(session, world.users["care_a"], session.get(Case, case_id), "accept_offer",  # type: ignore[arg-type]
         today=HEARING_DAY + timedelta(days=2))
    coordinator = app.test_client()
    login(coordinator, "coordinator")
    fresh(session)
    version = session.get(Case, case_id).version  # type: ignore[union-attr]
    page = f"/cases/{case_id}"
    move_in = HEARING_DAY + timedelta(days=30)
    with clock.travel(HEARING_DAY + timedelta(days=3)):
        refused = post_form(coordinator, f"{page}/steps/start_move_in", {
            "version": str(version), "move_in_date": move_in.isoformat(), "lease_kind": "squat"}, form_page=page)
        assert refused.status_code == 302
        fresh(session)
        assert session.get(Case, case_id).state == "offer_accepted"  # type: ignore[union-attr]
        done = post_form(coordinator, f"{page}/steps/start_move_in", {
            "version": str(version), "move_in_date": move_in.isoformat(), "lease_kind": "sublease",
            "lease_start": move_in.isoformat(), "lease_end": ""}, form_page=page)
    assert done.status_code == 302
    fresh(session)
    case = session.get(Case, case_id)
    assert case is not None and case.state == "moving_in" and case.lease_kind == "sublease"
    assert case.lease_start == move_in and case.lease_end is None


def test_the_home_page_recalls_offers_to_their_care_team(app: Flask, session: Session, world: World) -> None:
    s = sitting(session, world, ["Ada"])
    hearings.decide_item(session, world.users["chair"], s.hearing.id, s.hearing.items[0].id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Fits"), today=HEARING_DAY)
    own, other = app.test_client(), app.test_client()
    login(own, "care_a")
    login(other, "care_b")
    with clock.travel(HEARING_DAY + timedelta(days=8)):
        html = own.get("/").get_data(as_text=True)
        assert "Propositions en attente de réponse" in html and "Ada Martin" in html
        assert "rappel\u00a0: 2 jour(s)" in html
        assert "Ada Martin" not in other.get("/").get_data(as_text=True)
    with clock.travel(HEARING_DAY + timedelta(days=12)):
        assert "le délai" in own.get("/").get_data(as_text=True)
