"""In a real browser, against the real demo: every demo account logs in, finds its menu, reaches each of
its pages, and logs out; every page met passes an axe-core audit (WCAG 2.1 A and AA); the language
switch, the refused login and the skip link work as a keyboard or screen-reader user needs them to.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import BrowserProblems, DemoAccount, DemoServer, skip_reason

# Skipped test by test (not the module at once), so that a run of this folder alone, where Chromium
# or Playwright is missing, reports skips and exits 0 rather than "no tests collected".
SKIP_REASON = skip_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]

if SKIP_REASON is None:
    from axe_playwright_python.base import AXE_SCRIPT, AxeResults
    from playwright.sync_api import Page, expect

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ROLES = ["coordinator", "care_team", "chair", "member", "treasurer", "landlord", "data_protection"]
ROLE_LABELS = {
    "coordinator": "Coordination",
    "care_team": "Membre d'équipe soignante",
    "chair": "Président·e de séance (élu·e)",
    "member": "Membre de la commission",
    "treasurer": "Trésorerie",
    "landlord": "Représentant·e de bailleur",
    "data_protection": "Délégué·e à la protection des données",
}
ADMIN_ITEMS = {"Comptes", "Journal d'audit"}
# What each role must find in its menu, and what it must not: the access matrix in tests/web is the
# reference; here we check that a real browser shows it.
NAV_REQUIRED = {
    "coordinator": {"Accueil", "Places", "Communes et partenaires", "Comptes", "Journal d'audit"},
    "care_team": {"Accueil"},
    "chair": {"Accueil", "Places", "Communes et partenaires"},
    "member": {"Accueil", "Places", "Communes et partenaires"},
    "treasurer": {"Accueil", "Places", "Communes et partenaires"},
    "landlord": {"Accueil", "Places"},
    "data_protection": {"Accueil", "Journal d'audit", "Revue des accès"},
}
NAV_FORBIDDEN = {role: set() if role == "coordinator" else ADMIN_ITEMS for role in ROLES}
NAV_FORBIDDEN["landlord"] = ADMIN_ITEMS | {"Communes et partenaires"}
# the data-protection officer reads the logs, nothing else
NAV_FORBIDDEN["data_protection"] = {"Comptes", "Places", "Communes et partenaires", "Dossiers", "Commissions",
                                    "Trésorerie", "Tableau de bord", "Le parcours d'un dossier"}


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}  "
                     f"<{violation.get('helpUrl', '')}>")
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def audit(page: Page, what: str) -> None:
    """axe-core on the page as it stands; fails with a readable list of the violations.

    The page fixture injects axe-core into every document (``add_init_script``); this is what
    ``axe_playwright_python.sync_playwright.Axe.run`` does, minus sending the script for each audit.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    results = AxeResults(page.evaluate("options => axe.run(document, options)", AXE_OPTIONS))
    violations = results.response["violations"]
    assert not violations, (
        f"{len(violations)} accessibility violation(s) on {what} ({page.url}):\n{describe_violations(violations)}"
    )


def main_nav(page: Page) -> Any:
    return page.get_by_role("navigation", name="Menu principal")


def nav_labels(page: Page) -> list[str]:
    """Every page of the menu, those of its folded groups included."""
    links = main_nav(page).get_by_role("link", include_hidden=True)
    return [" ".join(text.split()) for text in links.all_text_contents()]


def nav_link(page: Page, label: str) -> Any:
    """A page of the menu, made visible as a person does: its group's button opened when it is folded."""
    link = main_nav(page).get_by_role("link", name=label, exact=True, include_hidden=True)
    expect(link).to_have_count(1)  # the page is loaded (site.js runs before it is ready)
    page.wait_for_load_state("domcontentloaded")
    menu = main_nav(page).locator(".nav-toggle")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":  # a phone: the menu is folded
        menu.click()
    if not link.is_visible():
        named = page.get_by_role("link", name=label, exact=True, include_hidden=True)
        main_nav(page).locator(".nav-group", has=named).locator(".nav-group-toggle").click()
    expect(link).to_be_visible()
    return link


def step_form(page: Page, label: str) -> Any:
    """The form of a record's step, shown on its page (never folded away), found by its button."""
    return page.locator(".steps .step form").filter(has=page.get_by_role("button", name=label, exact=True))


def primary_buttons(page: Page) -> Any:
    """The page's primary buttons (DSFR: one per page, its next step): buttons and button links of the
    content that are not secondary."""
    return page.locator("main :is(button, a.button):not(.secondary):not(.link-button):visible")


def log_in(page: Page, login: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def log_out(page: Page, button: str = "Se déconnecter") -> None:
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(r"/login(\?.*)?$"))


def assert_no_browser_problems(problems: BrowserProblems) -> None:
    assert not problems.messages, "the browser reported:\n" + "\n".join(problems.messages)


def test_demo_offers_an_account_for_every_role(demo_server: DemoServer) -> None:
    roles = [account.role for account in demo_server.accounts]
    assert set(roles) == set(ROLES), roles
    assert all(account.password and account.name for account in demo_server.accounts)


def test_login_page_is_accessible(page: Page, browser_problems: BrowserProblems) -> None:
    response = page.goto("/")
    assert response is not None and response.ok
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    expect(main_nav(page)).to_have_count(0)
    audit(page, "the login page")
    assert_no_browser_problems(browser_problems)


@pytest.mark.parametrize("role", ROLES)
def test_each_demo_account_logs_in_sees_its_menu_and_every_page_is_accessible(
    page: Page, demo_server: DemoServer, browser_problems: BrowserProblems, role: str,
) -> None:
    accounts = [account for account in demo_server.accounts if account.role == role]
    assert accounts, f"the demo has no {role} account"
    for account in accounts:
        check_account_journey(page, account)
    assert_no_browser_problems(browser_problems)


def check_account_journey(page: Page, account: DemoAccount) -> None:
    log_in(page, account.login, account.password)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bienvenue, {account.name}")
    expect(page.get_by_role("banner")).to_contain_text(account.name)
    expect(page.locator("main")).to_contain_text(f"Vous êtes connecté·e en tant que : {ROLE_LABELS[account.role]}")

    labels = nav_labels(page)
    assert labels, f"{account.login}: empty main menu"
    assert labels[0] == "Accueil", labels
    missing = NAV_REQUIRED[account.role] - set(labels)
    assert not missing, f"{account.login} ({account.role}) misses {missing} in its menu {labels}"
    shown = NAV_FORBIDDEN[account.role] & set(labels)
    assert not shown, f"{account.login} ({account.role}) must not see {shown} in its menu {labels}"
    audit(page, f"the home page of {account.login}")

    for label in labels:
        link = nav_link(page, label)
        with page.expect_navigation() as navigation:
            link.click()
        response = navigation.value
        assert response is not None and response.status == 200, (
            f"{account.login}: menu item {label!r} answered {response and response.status} at {page.url}"
        )
        expect(main_nav(page).get_by_role("link", name=label, exact=True, include_hidden=True)).to_have_attribute(
            "aria-current", "page"
        )
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        audit(page, f"{label!r} for {account.login}")
        # and on a phone, where the menu folds and the tables scroll inside their wrapper
        page.set_viewport_size(PHONE)
        audit(page, f"{label!r} for {account.login} on a phone")
        page.set_viewport_size(DESKTOP)
        expect(main_nav(page).locator(".nav-toggle")).to_be_hidden()  # the menu bar is back

    log_out(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))


def test_coordinator_deeper_pages_and_error_pages_are_accessible(
    page: Page, demo_server: DemoServer, browser_problems: BrowserProblems,
) -> None:
    account = demo_server.account("coordinator")
    log_in(page, account.login, account.password)
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto("/places")
    first_place = page.locator("main table tbody a").first
    reference = first_place.inner_text()
    first_place.click()
    expect(page).to_have_url(re.compile(r"/places/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    audit(page, f"the place {reference}")

    # two forms, shown then sent with values the browser accepts and the server refuses (a password
    # too short, a confirmation that differs): their error messages must be accessible too
    invalid_values = {
        "/admin/users/new": {"login": "e2e.refused", "display_name": "Refusé E2E", "password": "court"},
        "/account/password": {"current_password": account.password, "new_password": "court",
                               "confirm_password": "autre"},
    }
    for path, values in invalid_values.items():
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        audit(page, path)
        form = page.locator("main form")
        for name, value in values.items():
            form.locator(f"[name={name}]").fill(value)
        with page.expect_navigation() as navigation:
            form.locator("button[type=submit]").click()
        assert navigation.value is not None and navigation.value.status == 400, path
        expect(page.locator("main .errors, main .error-summary").first).to_be_visible()
        expect(page.locator("main [aria-invalid=true]").first).to_be_visible()
        audit(page, f"{path} with errors")

    response = page.goto("/places/999999")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    audit(page, "the 404 page")
    assert_no_browser_problems(browser_problems)


def test_forbidden_page_is_explained_and_accessible(page: Page, demo_server: DemoServer) -> None:
    account = demo_server.account("care_team")
    log_in(page, account.login, account.password)
    expect(page).to_have_url(re.compile(r"/$"))
    response = page.goto("/admin/users")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    audit(page, "the 403 page")


def test_wrong_password_is_refused_on_the_login_page(
    page: Page, demo_server: DemoServer, browser_problems: BrowserProblems,
) -> None:
    account = demo_server.account("member")
    log_in(page, account.login, account.password + "-wrong")
    expect(page).to_have_url(re.compile(r"/login(\?.*)?$"))
    expect(page.get_by_role("alert")).to_have_text("Identifiant inconnu ou mot de passe erroné.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    audit(page, "the login page after a refusal")
    assert_no_browser_problems(browser_problems)


def test_english_on_request_then_log_out(
    page: Page, demo_server: DemoServer, browser_problems: BrowserProblems,
) -> None:
    account = demo_server.account("coordinator")
    log_in(page, account.login, account.password)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    page.get_by_role("navigation", name="Langue").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    english_nav = page.get_by_role("navigation", name="Main menu")
    expect(english_nav.get_by_role("link", name="Home", exact=True)).to_be_visible()
    expect(english_nav.get_by_role("button", name="Steering and administration")).to_be_visible()
    expect(english_nav.get_by_role("link", name="Accounts", exact=True, include_hidden=True)).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {account.name}")
    audit(page, "the home page in English")

    english_nav.get_by_role("button", name="Places").click()
    english_nav.get_by_role("link", name="Places", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the choice is remembered
    audit(page, "the places in English")

    log_out(page, "Log out")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    audit(page, "the login page in English")
    assert_no_browser_problems(browser_problems)


@pytest.mark.parametrize("logged_in", [False, True], ids=["login-page", "home-page"])
def test_first_tab_reaches_the_skip_link_which_leads_to_the_content(
    page: Page, demo_server: DemoServer, logged_in: bool,
) -> None:
    if logged_in:
        account = demo_server.account("treasurer")
        log_in(page, account.login, account.password)
        expect(page).to_have_url(re.compile(r"/$"))
        page.reload()  # start from a fresh page load, as a keyboard user would
    else:
        page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off screen: {box}"
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()
