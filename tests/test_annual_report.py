"""The annual activity report: the dashboard's figures for the year, as a PDF that names no one; and its command."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import format_currency
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock
from commission.cli import main
from commission.documents.annual_report import render_annual_report
from commission.models import Applicant, Case, Place
from commission.services import dashboard
from tests.conftest import starting_scenario
from tests.databases import Restored, Scenario
from tests.test_dashboard import CURRENT, PAST, SCHEME, TODAY, Scheme, load_scheme


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    return starting_scenario(request, scheme=SCHEME)


@pytest.fixture
def scheme(session: Session, restored: Restored) -> Scheme:
    return load_scheme(session, restored.ids)


def text_of(pdf: bytes) -> str:
    """The PDF's text, its spaces (no-break ones included) made plain and single."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def euros(cents: int) -> str:
    return " ".join(format_currency(Decimal(cents) / 100, "EUR", locale="fr").replace("\u202f", " ")
                    .replace("\xa0", " ").split())


@pytest.mark.parametrize("year", [PAST, CURRENT])
def test_the_report_shows_the_dashboards_figures_and_no_one(session: Session, scheme: Scheme, year: int) -> None:
    coordinator = scheme.world.users["coordinator"]
    shown = dashboard.year_figures(session, coordinator, year, today=TODAY)
    report = dashboard.annual_report(session, coordinator, year, "Conseil intercommunal", today=TODAY)
    assert report.figures == shown  # one computation serves both
    text = text_of(render_annual_report(report))
    day = "31 décembre 2026" if year == PAST else "31 mars 2027"
    expected = [
        f"Annual activity report — {year}" if "Annual" in text else f"Rapport d'activité — {year}",
        f"{day} {shown.housed}",
        f"{shown.followed}",
        f"{shown.applications_received}",
        f"{shown.admissions_total}",
        euros(shown.finances.contributions_received_cents),
        euros(shown.finances.deposits_paid_cents),
        euros(shown.finances.refunds_received_cents),
        euros(shown.finances.fund_balance_cents),
        euros(shown.deposits_outstanding_cents),
    ]
    for figure in expected:
        assert figure in text, (figure, text)
    quarters = " ".join(str(count) for count in shown.admissions) + f" {shown.admissions_total}"
    assert quarters in text
    assert " ".join(str(count) for count in shown.exits) + f" {shown.exits_total}" in text
    for trigger, count in shown.decisions.items():
        assert re.search(rf"— [^—]+ {count}\b", text), trigger
    # no person, no file, no place
    words = set(re.findall(r"\w+", text))
    for first, last in session.execute(select(Applicant.first_name, Applicant.last_name)):
        assert first not in words and last not in words
    references = [place.reference for place in session.execute(select(Place)).scalars()]
    assert not [reference for reference in references if reference in text]
    assert not re.search(r"D-\d{4}-\d{5}", text)
    assert session.execute(select(Case.id)).first() is not None


def test_the_report_has_its_charts_as_text(session: Session, scheme: Scheme) -> None:
    report = dashboard.annual_report(session, scheme.world.users["member"], PAST, "Conseil", today=TODAY)
    text = text_of(render_annual_report(report, locale="en"))
    # each label is in a chart (drawn as vector graphics, its text kept as text) and in the table beside it
    for label in ("Apartment in social housing", "Occupied", "Q1", "Admissions", "Ordinary housing reached",
                  "Favourable opinion, waiting list"):
        assert text.count(label) >= 2, label


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> str:
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("COMMISSION_SECRET_KEY", raising=False)
    monkeypatch.delenv("COMMISSION_ENV", raising=False)
    return database_url


def run(*args: str) -> tuple[int, str]:
    with clock.travel(TODAY):
        result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_the_report_command(env: str, session: Session, scheme: Scheme, tmp_path: Path) -> None:
    out = tmp_path / "rapport.pdf"
    code, output = run("report", "annual", "--year", str(PAST), "--out", str(out))
    assert code == 0, output
    assert f"annual activity report {PAST} (figures as of {PAST}-12-31)" in output
    shown = dashboard.year_figures(session, scheme.world.users["coordinator"], PAST, today=TODAY)
    text = text_of(out.read_bytes())
    assert "Annual activity report" in text and f"{shown.applications_received}" in text
    for year in ("1999", str(CURRENT + 1)):
        code, output = run("report", "annual", "--year", year, "--out", str(tmp_path / "other.pdf"))
        assert code == 1, output
        assert len(output.strip().splitlines()) == 1 and "Traceback" not in output
        assert f"no figures for {year}" in output and "2026 to 2027" in output
        assert not (tmp_path / "other.pdf").exists()
    code, output = run("report", "annual", "--year", "next", "--out", str(out))
    assert code == 2 and "Traceback" not in output
    code, output = run("report", "annual", "--year", str(PAST), "--out", str(out), "--as", "care_a")
    assert code == 1 and len(output.strip().splitlines()) == 1
