"""The follow-up's pages as the care team and the coordinator use them, and the exit's form."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission.models import Case, CaseExit, FollowUpEvent, ItemKind
from commission.services import followup, hearings
from tests.conftest import World, fresh, login, post_form
from tests.followup_helpers import MOVE_IN, housed
from tests.test_followup import review_hearing
from tests.web.test_query_counts import count_queries


def test_the_care_team_records_the_follow_up(client: FlaskClient, session: Session, world: World) -> None:
    (ada,) = housed(session, world, ["Ada"])
    login(client, "care_a")
    page = client.get(f"/cases/{ada.id}").get_data(as_text=True)
    assert f"/cases/{ada.id}/followup" in page and "/exit" not in page  # the exit is the coordinator's
    response = post_form(client, f"/cases/{ada.id}/followup/plan", {
        "referring_psychiatrist": "Dr Lemaire", "visit_every_days": "14", "consultation_every_days": "30",
        "status": "at_risk", "status_note": "Impayés de loyer", "activities": "GEM",
    }, form_page=f"/cases/{ada.id}/followup/plan")
    assert response.status_code == 302
    response = post_form(client, f"/cases/{ada.id}/followup/events", {
        "kind": "incident", "occurred_on": (MOVE_IN + timedelta(days=3)).isoformat(),
        "incident_kind": "rent_arrears", "serious": "y", "summary": "Deux mois sans loyer",
        "action_taken": "Rendez-vous avec la curatrice",
    }, form_page=f"/cases/{ada.id}/followup")
    assert response.status_code == 302
    page = client.get(f"/cases/{ada.id}/followup").get_data(as_text=True)
    assert "Impayés de loyer" in page and "Deux mois sans loyer" in page and "Appeler" not in page
    assert "À risque" in page and "Cette lecture a été enregistrée" in page
    assert "Réunir une cellule ressource" in page


def test_bad_input_is_told_in_french_and_changes_nothing(client: FlaskClient, session: Session,
                                                         world: World) -> None:
    (ada,) = housed(session, world, ["Ada"])
    login(client, "care_a")
    response = post_form(client, f"/cases/{ada.id}/followup/events", {
        "kind": "incident", "occurred_on": "2099-01-01", "incident_kind": "", "summary": "x",
    }, form_page=f"/cases/{ada.id}/followup")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Cette date est dans le futur." in page and "Traceback" not in page
    response = post_form(client, f"/cases/{ada.id}/followup/plan", {
        "referring_psychiatrist": "", "visit_every_days": "tous les jours", "status": "going_well",
    }, form_page=f"/cases/{ada.id}/followup/plan")
    assert response.status_code == 400
    assert "Indiquez un nombre entier." in response.get_data(as_text=True)
    fresh(session)
    assert session.execute(select(func.count()).select_from(FollowUpEvent)).scalar_one() == 0


def test_the_coordinator_records_the_exit(client: FlaskClient, session: Session, world: World) -> None:
    (ada,) = housed(session, world, ["Ada"])
    login(client, "coordinator")
    response = post_form(client, f"/cases/{ada.id}/exit", {
        "reason": "eviction", "exit_date": "2099-01-01", "place_condition": "damaged",
    }, form_page=f"/cases/{ada.id}/exit")
    assert response.status_code == 400 and "futur" in response.get_data(as_text=True)
    response = post_form(client, f"/cases/{ada.id}/exit", {
        "reason": "ordinary_housing", "exit_date": (MOVE_IN + timedelta(days=100)).isoformat(),
        "place_condition": "good", "place_notes": "RAS",
    }, form_page=f"/cases/{ada.id}/exit")
    assert response.status_code == 302
    fresh(session)
    case = session.get(Case, ada.id)
    assert case is not None and case.state == "closed"
    assert session.execute(select(CaseExit.reason)).scalar_one().value == "ordinary_housing"
    # a second try, from a stale page: told, nothing changes
    response = post_form(client, f"/cases/{ada.id}/exit", {
        "reason": "death", "exit_date": MOVE_IN.isoformat(), "place_condition": "good",
    }, form_page=f"/cases/{ada.id}")
    assert response.status_code in (400, 409)
    assert session.execute(select(func.count()).select_from(CaseExit)).scalar_one() == 1


def test_another_teams_person_is_out_of_reach(client: FlaskClient, session: Session, world: World) -> None:
    (ada,) = housed(session, world, ["Ada"])
    login(client, "care_b")
    for path in (f"/cases/{ada.id}/followup", f"/cases/{ada.id}/followup/plan",
                 f"/cases/{ada.id}/followup/meetings/new"):
        assert client.get(path).status_code == 403
    response = post_form(client, f"/cases/{ada.id}/followup/events", {
        "kind": "visit", "occurred_on": MOVE_IN.isoformat()}, form_page="/")
    assert response.status_code == 403
    fresh(session)
    assert session.execute(select(func.count()).select_from(FollowUpEvent)).scalar_one() == 0


def test_the_review_shows_the_status_and_no_medical_detail(client: FlaskClient, session: Session,
                                                           world: World) -> None:
    (ada,) = housed(session, world, ["Ada"])
    care = world.users["care_a"]
    followup.save_care_plan(session, care, ada.id, followup.CarePlanInput(
        referring_psychiatrist="Dr Lemaire", status="needs_attention", status_note="Quelques tensions"),
        today=MOVE_IN)
    followup.record_event(session, care, ada.id, followup.EventInput(
        kind="hospitalisation", occurred_on=(MOVE_IN + timedelta(days=5)).isoformat(),
        summary="Décompensation délirante, traitement modifié"), today=MOVE_IN + timedelta(days=5))
    day = MOVE_IN + timedelta(days=200)
    hearing_id, items = review_hearing(session, world, day)
    (item,) = [i for i in items if i.kind is ItemKind.REVIEW]
    login(client, "chair")
    page = client.get(f"/hearings/{hearing_id}/session/items/{item.id}").get_data(as_text=True)
    assert "Quelques tensions" in page and 'status-needs_attention">Demande de l' in page
    assert "Décompensation" not in page and "traitement modifié" not in page
    response = post_form(client, f"/hearings/{hearing_id}/session/items/{item.id}", {
        "decision": "review_noted", "review_outcome": "continue", "reason": "Bien"},
        form_page=f"/hearings/{hearing_id}/session/items/{item.id}")
    assert response.status_code == 302
    fresh(session)
    assert hearings.items(session, hearings.get_hearing(session, world.users["chair"], hearing_id))[0].decision


def test_the_follow_up_page_queries_do_not_grow(client: FlaskClient, engine: Engine, session: Session,
                                                world: World) -> None:
    (ada,) = housed(session, world, ["Ada"])
    care = world.users["care_a"]

    def add(count: int) -> None:
        for number in range(count):
            day = MOVE_IN + timedelta(days=number % 200)
            followup.record_event(session, care, ada.id, followup.EventInput(
                kind="visit", occurred_on=day.isoformat()), today=MOVE_IN + timedelta(days=220))
            if number % 10 == 0:
                followup.call_meeting(session, care, ada.id, followup.MeetingInput(
                    meeting_date=day.isoformat(), attendees="Équipe", held=True, outcome="ok",
                    actions=[followup.ActionInput("Appeler", "Infirmier", "")]), today=MOVE_IN + timedelta(days=220))

    login(client, "care_a")
    add(3)
    with count_queries(engine) as small:
        assert client.get(f"/cases/{ada.id}/followup").status_code == 200
    add(60)
    with count_queries(engine) as large:
        assert client.get(f"/cases/{ada.id}/followup").status_code == 200
    assert len(large) == len(small) and len(large) <= 20, (len(small), len(large))
