"""Pages that guide, in a real browser (issue 17): each role's home page leads with what needs them and
their three usual tasks, each reached in one click, each page holding at most one primary button, its
next step; the menu grouped by job folds behind one button on a phone; a form refused for three mistakes
lists three links, each to its field; every page met passes axe-core at 1366×900 and 390×844.

Screenshots of every page met, at both sizes, are written to ``artifacts/screenshots/`` (ignored by git).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import BrowserProblems, DemoServer, skip_reason
from tests.e2e.test_browser import (
    DESKTOP,
    PHONE,
    ROLES,
    assert_no_browser_problems,
    audit,
    log_in,
    main_nav,
    primary_buttons,
)

SKIP_REASON = skip_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]

if SKIP_REASON is None:
    from playwright.sync_api import Page, expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

# Each role's usual tasks, as its home page offers them (the first as the primary button).
TASKS = {
    "coordinator": ["Préparer la prochaine commission", "Vérifier les dossiers reçus", "Pourvoir les places vacantes"],
    "care_team": ["Déposer une nouvelle demande", "Suivre les dossiers de votre équipe", "Les commissions"],
    "chair": ["Présider une commission", "Les places", "Les chiffres du dispositif"],
    "member": ["Les places", "Les commissions", "Les chiffres du dispositif"],
    "treasurer": ["Payer et suivre les cautions", "Appeler et encaisser les cotisations", "Le bilan du fonds"],
    "landlord": ["Les cautions de vos places", "Les places", "Les commissions"],
    "data_protection": ["Revoir les consultations des dossiers", "Lire le journal d'audit"],
}


class Clicks:
    """The taps of a task: clicks and key presses other than typing text."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, target: Any, **kwargs: Any) -> None:
        self.count += 1
        target.click(**kwargs)


def shoot(page: Page, name: str) -> None:
    """The page at both sizes, audited at each, written to artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("1366x900", DESKTOP), ("390x844", PHONE)):
        page.set_viewport_size(size)
        audit(page, f"{name} at {label}")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def at_most_one_primary(page: Page, what: str) -> Any:
    buttons = primary_buttons(page)
    texts = [" ".join(text.split()) for text in buttons.all_inner_texts()]
    assert len(texts) <= 1, f"{what} ({page.url}) has {len(texts)} primary buttons: {texts}"
    return buttons


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_its_usual_tasks_from_its_home_page(
    page: Page, demo_server: DemoServer, browser_problems: BrowserProblems, role: str,
) -> None:
    account = demo_server.account(role)
    page.set_viewport_size(DESKTOP)
    log_in(page, account.login, account.password)
    expect(page).to_have_url(re.compile(r"/$"))
    # no second copy of the menu on the home page
    expect(page.get_by_role("heading", name="Ce que vous pouvez faire ici")).to_have_count(0)
    if role != "data_protection":
        expect(page.get_by_role("heading", level=2).first).to_have_text(
            re.compile("Ce qui vous attend aujourd'hui|Vos tâches courantes"))
    tasks = page.locator(".home-tasks a.button")
    expect(tasks).to_have_text(TASKS[role])
    # the first task is the home page's primary button, the others secondary
    expect(at_most_one_primary(page, "the home page")).to_have_text([TASKS[role][0]])
    shoot(page, f"{role}-home")

    for number, label in enumerate(TASKS[role], start=1):
        page.goto("/")
        with page.expect_navigation() as navigation:
            page.locator(".home-tasks").get_by_role("link", name=label, exact=True).click()  # one click
        response = navigation.value
        assert response is not None and response.status == 200, (role, label, response and response.status)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        at_most_one_primary(page, f"{label!r} for {role}")
        shoot(page, f"{role}-task{number}")
    assert_no_browser_problems(browser_problems)


def test_a_care_team_files_an_application_following_the_primary_buttons(
    page: Page, demo_server: DemoServer, browser_problems: BrowserProblems,
) -> None:
    """From the home page to a draft on its way: each page's primary button is the next step."""
    care = demo_server.account("care_team")
    log_in(page, care.login, care.password)
    taps = Clicks()
    with page.expect_navigation():
        taps.click(primary_buttons(page))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle demande")
    expect(at_most_one_primary(page, "the application form")).to_have_text("Enregistrer le dossier")
    page.get_by_label("Prénom", exact=True).fill("Dominique")
    page.get_by_label("Nom", exact=True).fill("Guidée-Navigateur")
    page.get_by_label("Date de naissance").fill("1979-03-01")
    with page.expect_navigation():
        taps.click(primary_buttons(page))
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    # the draft's next step is its primary button, shown, not folded away
    primary = at_most_one_primary(page, "a draft file")
    expect(primary).to_have_text("Déposer auprès de la commission")
    expect(primary).to_be_visible()
    assert taps.count == 2, taps.count
    assert_no_browser_problems(browser_problems)


def test_the_treasurer_reaches_a_deposit_to_pay_and_its_step_is_the_primary_button(
    page: Page, demo_server: DemoServer, browser_problems: BrowserProblems,
) -> None:
    treasurer = demo_server.account("treasurer")
    log_in(page, treasurer.login, treasurer.password)
    with page.expect_navigation():
        primary_buttons(page).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # every deposit page: its next step, if it has one, is its one primary button; the letter is linked
    page.goto("/treasury/deposits")
    links = page.locator("main table tbody a")
    seen = 0
    for index in range(min(links.count(), 4)):
        page.goto("/treasury/deposits")
        with page.expect_navigation():
            page.locator("main table tbody a").nth(index).click()
        primary = at_most_one_primary(page, "a deposit")
        steps = page.locator(".steps .step")
        if steps.count():
            seen += 1
            first = steps.first.get_by_role("button")
            expect(primary).to_have_text(first.inner_text())
            expect(primary).to_be_visible()
        if page.locator(".state-box").get_by_text("Engagée", exact=True).count():
            expect(page.get_by_role("link", name="La lettre d'engagement du conseil (PDF)")).to_be_visible()
    assert seen, "no deposit with a next step in the demo"
    assert_no_browser_problems(browser_problems)


def test_a_form_with_three_mistakes_lists_three_links_to_its_fields(
    page: Page, demo_server: DemoServer, browser_problems: BrowserProblems,
) -> None:
    care = demo_server.account("care_team")
    log_in(page, care.login, care.password)
    page.goto("/cases/new")
    form = page.locator("main form.case-form")
    form.locator("[name=birth_date]").fill("2999-01-01")
    form.locator("[name=monthly_resources]").fill("beaucoup")
    form.locator("[name=guardian_email]").fill("pas-une-adresse")
    with page.expect_navigation() as navigation:
        primary_buttons(page).click()
    assert navigation.value is not None and navigation.value.status == 400
    summary = page.locator("main .error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    count = links.count()
    assert count >= 3, summary.inner_text()
    for index in range(count):
        link = links.nth(index)
        target = link.get_attribute("href")
        assert target and target.startswith("#"), target
        field = page.locator(target)
        expect(field).to_have_attribute("aria-invalid", "true")
        # the same message under the field, which the field names as its description
        described = field.get_attribute("aria-describedby") or ""
        assert f"{target[1:]}-error" in described.split(), (target, described)
        expect(page.locator(f"{target}-error")).to_contain_text(link.inner_text().strip())
        link.click()
        expect(field).to_be_focused()
    shoot(page, "care_team-form-errors")
    assert_no_browser_problems(browser_problems)


def test_the_menu_folds_behind_one_button_on_a_phone(
    page: Page, demo_server: DemoServer, browser_problems: BrowserProblems,
) -> None:
    account = demo_server.account("coordinator")
    page.set_viewport_size(PHONE)
    log_in(page, account.login, account.password)
    menu = main_nav(page).get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    # the header and the folded menu leave the screen to the content
    box = page.locator("main").bounding_box()
    assert box is not None and box["y"] < 260, box
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    group = main_nav(page).get_by_role("button", name="Places")
    group.click()
    with page.expect_navigation():
        main_nav(page).get_by_role("link", name="Conventions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit(page, "the agreements on a phone")

    # on a wide screen, each group opens alone, and Escape closes it
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    expect(main_nav(page).get_by_role("button", name="Menu")).to_be_hidden()
    files = main_nav(page).get_by_role("button", name="Dossiers")
    places = main_nav(page).get_by_role("button", name="Places")
    files.click()
    expect(files).to_have_attribute("aria-expanded", "true")
    places.click()
    expect(files).to_have_attribute("aria-expanded", "false")
    expect(places).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(places).to_have_attribute("aria-expanded", "false")
    assert_no_browser_problems(browser_problems)


def test_refused_and_missing_pages_say_why_and_who_can_help(
    page: Page, demo_server: DemoServer, browser_problems: BrowserProblems,
) -> None:
    coordinator = demo_server.account("coordinator")
    care = demo_server.account("care_team")
    log_in(page, care.login, care.password)
    for path, status, title in (("/admin/users", 403, "Accès refusé"), ("/cases/999999", 404, "Page introuvable")):
        response = page.goto(path)
        assert response is not None and response.status == status
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.get_by_role("heading", name="Pourquoi")).to_be_visible()
        expect(page.get_by_role("heading", name="Qui peut vous aider")).to_be_visible()
        expect(page.locator("main")).to_contain_text(coordinator.name)
        audit(page, f"the {status} page")
    assert_no_browser_problems(browser_problems)
