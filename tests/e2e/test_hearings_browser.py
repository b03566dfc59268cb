"""The hearings in a real browser: the coordinator finds the next hearing and its documents, its chair
records the attendance on a tablet-sized screen with the keyboard, a member reads signed minutes.
Every page met passes the axe-core audit.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import BrowserProblems, DemoServer, skip_reason
from tests.e2e.test_browser import assert_no_browser_problems, audit, log_in, log_out, nav_link

SKIP_REASON = skip_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]

if SKIP_REASON is None:
    from playwright.sync_api import Page, expect

TABLET = {"width": 768, "height": 1024}


def open_hearings(page: Page) -> None:
    with page.expect_navigation():
        nav_link(page, "Commissions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commissions")


def test_the_next_hearing_its_documents_and_its_chairs_session(
    page: Page, demo_server: DemoServer, browser_problems: BrowserProblems,
) -> None:
    coordinator = demo_server.account("coordinator")
    log_in(page, coordinator.login, coordinator.password)
    open_hearings(page)
    audit(page, "the list of hearings")
    row = page.locator("main table tbody tr", has_text="Convoquée")
    expect(row).to_have_count(1)
    with page.expect_navigation():
        row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Commission du")
    agenda = page.locator("#agenda table tbody tr")
    assert agenda.count() > 0
    audit(page, "the convened hearing, as the coordinator sees it")
    for label in ("L'ordre du jour (PDF)", "Lettres de convocation (PDF)"):
        href = page.get_by_role("link", name=label).get_attribute("href")
        assert href
        response = page.request.get(href)
        assert response.status == 200 and response.headers["content-type"] == "application/pdf", label
        assert response.body().startswith(b"%PDF")
    # the chair's name, read where the page names it (its term, not its position among the facts)
    term = page.locator(".state-box dl dt", has_text="Président·e de séance")
    chair_name = term.locator("xpath=following-sibling::dd[1]").inner_text().strip()
    log_out(page)

    # the chair of that hearing, on a tablet, with the keyboard
    chair = next(account for account in demo_server.accounts if account.role == "chair" and account.name == chair_name)
    page.set_viewport_size(TABLET)
    log_in(page, chair.login, chair.password)
    open_hearings(page)
    with page.expect_navigation():
        page.locator("main table tbody tr", has_text="Convoquée").get_by_role("link").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Aller à la séance").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Séance")
    audit(page, "the session page, before the attendance")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "scrolls sideways"
    first_row = page.locator("ul.attendance li.attendee").first
    present = first_row.get_by_role("radio", name=re.compile("Présent"))
    present.focus()
    page.keyboard.press("Space")
    expect(present).to_be_checked()
    page.get_by_role("button", name="Enregistrer les présences").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Les présences ont été enregistrées.")
    expect(page.locator("ul.attendance li.attendee").first.get_by_role("radio", name=re.compile("Présent"))
           ).to_be_checked()
    audit(page, "the session page, after the attendance")
    log_out(page)
    assert_no_browser_problems(browser_problems)


def test_a_member_reads_the_signed_minutes(page: Page, demo_server: DemoServer) -> None:
    member = demo_server.account("member")
    log_in(page, member.login, member.password)
    open_hearings(page)
    with page.expect_navigation():
        page.locator("main table tbody tr", has_text="Procès-verbal signé").first.get_by_role("link").click()
    audit(page, "a past hearing, as a member sees it")
    for label in ("procès-verbal complet (PDF)", "procès-verbal diffusable (PDF)"):
        href = page.get_by_role("link", name=label).first.get_attribute("href")
        assert href
        response = page.request.get(href)
        assert response.status == 200 and response.body().startswith(b"%PDF"), label
    # a member does not run the session
    response = page.goto(page.url + "/session")
    assert response is not None and response.status == 403
