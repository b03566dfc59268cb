"""The follow-up in a real browser: a care-team member opens a housed person's follow-up, records an
incident (first with a date in the future, refused next to its field), and calls a resource meeting;
the coordinator records a tenancy's exit, which closes the file. Every page met passes the axe-core
audit.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import BrowserProblems, DemoServer, skip_reason
from tests.e2e.test_browser import assert_no_browser_problems, audit, log_in

SKIP_REASON = skip_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]

if SKIP_REASON is None:
    from playwright.sync_api import Page, expect


def open_first_housed(page: Page) -> None:
    page.goto("/cases?state=housed")
    with page.expect_navigation():
        page.locator("main table tbody a").first.click()


def test_the_care_team_records_an_incident_and_calls_a_meeting(page: Page, demo_server: DemoServer,
                                                                browser_problems: BrowserProblems) -> None:
    care = demo_server.account("care_team")
    log_in(page, care.login, care.password)
    open_first_housed(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Ouvrir le suivi").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Suivi du dossier")
    audit(page, "a housed person's follow-up")

    form = page.locator("form", has=page.get_by_role("button", name="Enregistrer l'événement"))
    form.get_by_label("Ce qui s'est passé", exact=True).select_option("incident")
    form.get_by_label("Date", exact=True).fill("2099-01-01")
    form.get_by_label("Type d'incident").select_option("neighbour_complaint")
    form.get_by_label("Incident grave").check()
    form.get_by_label("Ce qui s'est passé, en bref").fill("Musique forte la nuit, plainte écrite")
    form.get_by_label("Suite donnée").fill("Rencontre avec le bailleur")
    with page.expect_navigation() as navigation:
        form.get_by_role("button", name="Enregistrer l'événement").click()
    assert navigation.value is not None and navigation.value.status == 400
    expect(page.locator("main [aria-invalid=true]").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("Cette date est dans le futur.")
    audit(page, "an event refused")

    form = page.locator("form", has=page.get_by_role("button", name="Enregistrer l'événement"))
    form.get_by_label("Date", exact=True).fill(page.evaluate("new Date().toISOString().slice(0, 10)"))
    with page.expect_navigation():
        form.get_by_role("button", name="Enregistrer l'événement").click()
    expect(page.locator("#events")).to_contain_text("Musique forte la nuit, plainte écrite")

    with page.expect_navigation():
        page.locator("#events").get_by_role("link", name="Réunir une cellule ressource").first.click()
    audit(page, "calling a resource meeting")
    page.get_by_label("Date de la réunion").fill(page.evaluate("new Date().toISOString().slice(0, 10)"))
    page.get_by_label("Participants (noms et fonctions)").fill("Infirmier référent, bailleur, curatrice")
    page.get_by_label("Action 1").fill("Rencontrer les voisins")
    page.get_by_label("Qui s'en charge").first.fill("Infirmier référent")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la réunion").click()
    expect(page.locator("#meetings")).to_contain_text("Actions encore ouvertes : 1")
    assert_no_browser_problems(browser_problems)


def test_the_coordinator_records_an_exit(page: Page, demo_server: DemoServer,
                                         browser_problems: BrowserProblems) -> None:
    coordinator = demo_server.account("coordinator")
    log_in(page, coordinator.login, coordinator.password)
    open_first_housed(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Enregistrer la sortie").click()
    audit(page, "the exit's form")
    page.get_by_label("Motif de la sortie").select_option("ordinary_housing")
    page.get_by_label("État du logement").select_option("works_needed")
    page.get_by_label("État des lieux, en bref").fill("Peintures du séjour à refaire")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la sortie et clore le dossier").click()
    expect(page.locator(".state-box .state")).to_have_text("Clos")
    audit(page, "a file closed by its exit")
    assert_no_browser_problems(browser_problems)
