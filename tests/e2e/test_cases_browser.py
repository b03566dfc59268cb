"""A file's first steps, in a real browser, as the people who take them: a care-team member files an
application (first with fields missing, then completed), attaches a document, submits it; the
coordinator returns it as incomplete; the care team sends it back; the timeline tells it all. Every
page and every form met, errors included, passes the axe-core audit.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import BrowserProblems, DemoServer, skip_reason
from tests.e2e.test_browser import assert_no_browser_problems, audit, log_in, log_out, nav_link, step_form

SKIP_REASON = skip_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]

if SKIP_REASON is None:
    from playwright.sync_api import Page, expect

TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fire_step(page: Page, label: str, text: str = "", *, field: str = "reason") -> None:
    form = step_form(page, label)
    if text:
        form.locator(f"textarea[name={field}]").fill(text)
    with page.expect_navigation():
        form.get_by_role("button", name=label).click()


def test_care_team_files_an_application_and_the_coordinator_checks_it(
    page: Page, demo_server: DemoServer, browser_problems: BrowserProblems,
) -> None:
    care = demo_server.account("care_team")
    log_in(page, care.login, care.password)
    with page.expect_navigation():
        nav_link(page, "Dossiers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Les dossiers de mon équipe")
    page.get_by_role("link", name="Nouvelle demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle demande")
    audit(page, "the new application form")

    # Saved with nothing in it: refused, with the reasons next to the fields.
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Enregistrer le dossier").click()
    assert navigation.value is not None and navigation.value.status == 400
    expect(page.locator("main .error-summary")).to_be_visible()
    expect(page.locator("main [aria-invalid=true]").first).to_be_visible()
    audit(page, "the new application form with errors")

    # A draft needs only the person's identity.
    page.get_by_label("Prénom", exact=True).fill("Camille")
    page.get_by_label("Nom", exact=True).fill("Essai-Navigateur")
    page.get_by_label("Date de naissance").fill("1984-05-17")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le dossier").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Camille Essai-Navigateur")
    expect(page.locator(".state-box .state")).to_have_text("Brouillon")
    audit(page, "a draft file")
    file_url = page.url

    # Submitting an incomplete draft is refused with the list of what is missing; nothing changes.
    fire_step(page, "Déposer auprès de la commission")
    expect(page.locator("main, body").first).to_contain_text("consentement")
    expect(page.locator(".state-box .state")).to_have_text("Brouillon")
    audit(page, "a refused submission")

    # Completed, then submitted.
    page.get_by_role("link", name="Modifier le dossier").click()
    form = page.locator("main form.case-form")
    form.locator("[name=housing_situation]").select_option("hospitalised")
    form.locator("[name=monthly_resources]").fill("971,37")
    form.locator("[name=requested_kind]").select_option("apartment")
    form.locator("[name=wished_town_ids]").first.check()
    form.locator("[name=referring_psychiatrist]").fill("Dr Navigateur")
    form.locator("[name=project]").fill("Vivre seule près du CMP, avec une visite infirmière chaque semaine.")
    form.locator("[name=consent_given]").check()
    form.locator("[name=consent_date]").fill("2026-11-02")
    audit(page, "the edit form")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le dossier").click()
    expect(page).to_have_url(file_url)

    page.get_by_label("Fichier (PDF, PNG ou JPEG)").set_input_files(
        files=[{"name": "notification-aah.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}]
    )
    page.get_by_label("Type de document").select_option("resources")
    with page.expect_navigation():
        page.get_by_role("button", name="Joindre").click()
    expect(page.locator("#documents")).to_contain_text("notification-aah.pdf")

    fire_step(page, "Déposer auprès de la commission", "Dossier complet, vu avec la personne.", field="comment")
    expect(page.locator(".state-box .state")).to_have_text("Déposé")
    audit(page, "a submitted file")
    log_out(page)

    # The coordinator finds it among the submitted files and returns it for a missing item.
    coordinator = demo_server.account("coordinator")
    log_in(page, coordinator.login, coordinator.password)
    page.goto("/cases")
    page.get_by_label("État").select_option("submitted")
    with page.expect_navigation():
        page.get_by_role("button", name="Filtrer").click()
    audit(page, "the files filtered by state")
    row = page.locator("main table tbody tr", has_text="Essai-Navigateur")
    expect(row).to_contain_text("Déposé")
    with page.expect_navigation():
        row.get_by_role("link").click()
    expect(page).to_have_url(file_url)
    fire_step(page, "Renvoyer comme incomplet", "Copie du jugement de curatelle")
    expect(page.locator(".state-box .state")).to_have_text("Incomplet")
    expect(page.locator(".state-box")).to_contain_text("Copie du jugement de curatelle")
    audit(page, "a file returned as incomplete")
    log_out(page)

    # The care team answers; the timeline shows every step, with who and why.
    log_in(page, care.login, care.password)
    page.goto(file_url)
    fire_step(page, "Renvoyer avec les pièces manquantes", "Jugement ajouté.", field="comment")
    expect(page.locator(".state-box .state")).to_have_text("Déposé")
    timeline = page.locator("section", has=page.get_by_role("heading", name="Historique")).locator("tbody tr")
    expect(timeline).to_have_count(4)
    expect(timeline.nth(2)).to_contain_text("Copie du jugement de curatelle")
    expect(timeline.nth(2)).to_contain_text(coordinator.name)
    expect(timeline.nth(3)).to_contain_text("Jugement ajouté.")
    audit(page, "the file's timeline")
    assert_no_browser_problems(browser_problems)


def test_another_teams_file_is_out_of_reach_in_the_browser(page: Page, demo_server: DemoServer) -> None:
    """The other demo care-team member cannot open a file of the first one's team, even by its address."""
    care_teams = [account for account in demo_server.accounts if account.role == "care_team"]
    assert len(care_teams) >= 2, "the demo needs two care-team accounts"
    first, second = care_teams[:2]
    log_in(page, first.login, first.password)
    page.goto("/cases")
    row = page.locator("main table tbody tr").first
    href = row.locator("a").first.get_attribute("href")
    assert href and re.fullmatch(r"/cases/\d+", href), href
    person = row.locator("td").nth(1).inner_text().strip()
    assert person
    log_out(page)

    log_in(page, second.login, second.password)
    for path in (href, f"{href}/edit", f"{href}/medical"):
        response = page.goto(path)
        assert response is not None and response.status in (403, 404), (path, response and response.status)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert person not in page.content(), f"{path} shows the other team's person"
        audit(page, f"{path} refused to another team")


def test_the_workflow_page_shows_the_generated_diagram(page: Page, demo_server: DemoServer) -> None:
    care = demo_server.account("care_team")
    log_in(page, care.login, care.password)
    with page.expect_navigation():
        nav_link(page, "Le parcours d'un dossier").click()
    diagram = page.get_by_role("img", name="Le parcours d'un dossier")
    expect(diagram).to_be_visible()
    expect(diagram.locator("text").filter(has_text="Brouillon").first).to_be_attached()
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 200, box
    audit(page, "the workflow page")
