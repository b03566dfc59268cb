"""The treasurer in a real browser: the fund's overview, a deposit whose refund is claimed, a refund
typed too large (refused, explained next to the field), then a partial refund with its retention; the
year's statement as a spreadsheet. Every page met passes the axe-core audit.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import BrowserProblems, DemoServer, skip_reason
from tests.e2e.test_browser import assert_no_browser_problems, audit, log_in, nav_link, step_form

SKIP_REASON = skip_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]

if SKIP_REASON is None:
    from playwright.sync_api import Page, expect


def test_the_treasurer_records_a_partial_refund(page: Page, demo_server: DemoServer,
                                                browser_problems: BrowserProblems) -> None:
    treasurer = demo_server.account("treasurer")
    log_in(page, treasurer.login, treasurer.password)
    with page.expect_navigation():
        nav_link(page, "Trésorerie").click()
    audit(page, "the fund's overview")

    page.goto("/treasury/deposits?state=refund_claimed")
    links = page.locator("main table tbody a")
    if links.count() == 0:  # no refund waiting today: claim one, as at an exit
        page.goto("/treasury/deposits?state=paid")
        with page.expect_navigation():
            page.locator("main table tbody a").first.click()
        with page.expect_navigation():
            step_form(page, "Demander le remboursement").locator("button[type=submit]").click()
    else:
        with page.expect_navigation():
            links.first.click()
    expect(page.locator(".state-box .state")).to_have_text("Remboursement demandé")
    audit(page, "a deposit whose refund is claimed")
    deposit_url = page.url

    form = step_form(page, "Enregistrer un remboursement partiel")
    form.locator("[name=refunded]").fill("99999,00")
    form.locator("[name=reason]").fill("Porte de la cuisine à remplacer")
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").click()
    assert navigation.value is not None and navigation.value.status == 400
    expect(page.locator("main [aria-invalid=true]").first).to_be_visible()
    expect(page.locator(".state-box .state")).to_have_text("Remboursement demandé")
    audit(page, "a partial refund refused")

    form = step_form(page, "Enregistrer un remboursement partiel")
    form.locator("[name=refunded]").fill("100,00")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(deposit_url.split("#")[0]) + r"(#.*)?$"))
    expect(page.locator(".state-box .state")).to_have_text("Partiellement retenue")
    expect(page.locator("main")).to_contain_text("Porte de la cuisine à remplacer")
    audit(page, "a deposit partly retained")

    for extension, kind in (("xlsx", "spreadsheetml"), ("csv", "text/csv")):
        response = page.request.get(f"/treasury/statement/2026.{extension}")
        assert response.status == 200 and kind in response.headers["content-type"], extension
    assert_no_browser_problems(browser_problems)
