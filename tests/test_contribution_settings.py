"""The year's contribution settings: the coordinator sets the rate, the contributors and their bases before the
call; the contributions, the ledger and the statement follow; after the call nothing changes."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.errors import ConcurrentChange, Forbidden, InvalidInput
from commission.models import AuditEntry, ContributionSettings, Organisation, OrganisationKind
from commission.models.treasury import Account, Contribution, EntryKind, LedgerEntry
from commission.services import treasury, treasury_reports
from commission.services.treasury import contribution_settings as settings
from tests.conftest import World

YEAR = 2025


def hospital(session: Session) -> Organisation:
    return session.execute(select(Organisation).where(Organisation.kind == OrganisationKind.HOSPITAL)).scalar_one()


def keys(session: Session, world: World) -> dict[str, str]:
    return {"Ronchin": f"town-{world.towns['Ronchin'].id}", "Lesquin": f"town-{world.towns['Lesquin'].id}",
            "EPSM": f"organisation-{hospital(session).id}"}


def decided(session: Session, world: World, rate: str = "0,50", **bases: settings.ShareInput) -> settings.SettingsInput:
    """The towns on their population, the hospital on a fixed 5 000 €, unless told otherwise."""
    named = keys(session, world)
    shares = {"Ronchin": settings.ShareInput(named["Ronchin"], "population"),
              "Lesquin": settings.ShareInput(named["Lesquin"], "population"),
              "EPSM": settings.ShareInput(named["EPSM"], "fixed", amount="5 000")}
    shares.update(bases)
    return settings.SettingsInput(rate, list(shares.values()))


def amounts(session: Session, year: int = YEAR) -> dict[str, int]:
    rows = session.execute(select(Contribution).where(Contribution.year == year)).scalars()
    return {row.contributor: row.amount_cents for row in rows}


def test_the_defaults_read_the_council_sentence_as_before(session: Session, world: World) -> None:
    found = settings.year_settings(session, world.users["treasurer"], YEAR)
    assert found.version == 0 and found.rate_cents == 40 and not found.locked
    assert {share.name: share.amount_cents for share in found.shares} == {
        "Ronchin": 18500 * 40, "Lesquin": 8000 * 40, "EPSM": (18500 + 8000) * 40}
    treasury.contributions(session, world.users["treasurer"], YEAR)
    assert amounts(session) == {"Ronchin": 740000, "Lesquin": 320000, "EPSM": 1060000}


def test_the_rate_and_the_hospital_base_changed_before_the_call_and_the_ledger_and_statement_follow(
        session: Session, world: World) -> None:
    coordinator, treasurer = world.users["coordinator"], world.users["treasurer"]
    treasury.contributions(session, treasurer, YEAR)  # the year is open with the defaults
    session.commit()
    saved = settings.set_year_settings(session, coordinator, YEAR, decided(session, world), 0)
    session.commit()
    assert saved.version == 1 and saved.rate_cents == 50
    expected = {"Ronchin": 18500 * 50, "Lesquin": 8000 * 50, "EPSM": 500000}
    assert amounts(session) == expected  # the open year's rows follow
    for row in treasury.contributions(session, treasurer, YEAR):
        treasury.call_contribution(session, treasurer, row.id, f"{YEAR}-01-15")
        treasury.receive_contribution(session, treasurer, row.id, f"{YEAR}-03-01", "transfer", "VIR")
    session.commit()
    entries = session.execute(select(LedgerEntry).where(LedgerEntry.contribution_id.is_not(None))).scalars().all()
    called = {entry.label.split(": ")[1]: sum(line.credit_cents for line in entry.lines
                                              if line.account is Account.CONTRIBUTIONS)
              for entry in entries if entry.kind is EntryKind.CONTRIBUTION_CALLED}
    received = {entry.label.split(": ")[1]: sum(line.debit_cents for line in entry.lines
                                                if line.account is Account.BANK)
                for entry in entries if entry.kind is EntryKind.CONTRIBUTION_RECEIVED}
    assert called == expected and received == expected
    statement = treasury_reports.statement(session, treasurer, YEAR)
    total = sum(expected.values())
    assert statement.contributions_called_cents == total == 1_825_000
    assert statement.contributions_received_cents == total and statement.contributions_due_closing_cents == 0
    assert {row.contributor: row.cents for row in treasury_reports.year_contributions(session, treasurer, YEAR)
            } == expected
    assert treasury.check(session) == []


def test_settings_saved_before_the_year_opens_make_its_contributions(session: Session, world: World) -> None:
    named = keys(session, world)
    data = decided(session, world, "0,40", Lesquin=settings.ShareInput(named["Lesquin"], "population", "9 000"),
                   EPSM=settings.ShareInput(named["EPSM"], "population", population="10000"))
    settings.set_year_settings(session, world.users["coordinator"], YEAR, data, 0)
    treasury.contributions(session, world.users["treasurer"], YEAR)
    assert amounts(session) == {"Ronchin": 740000, "Lesquin": 360000, "EPSM": 400000}
    assert amounts(session, YEAR + 1) == {}  # another year keeps the defaults
    assert settings.year_settings(session, world.users["coordinator"], YEAR + 1).rate_cents == 40


def test_a_partner_added_and_a_town_left_out_before_the_call(session: Session, world: World) -> None:
    treasury.contributions(session, world.users["treasurer"], YEAR)
    named = keys(session, world)
    data = settings.SettingsInput("0,40", [
        settings.ShareInput(named["Ronchin"], "population"),
        settings.ShareInput(named["EPSM"], "population"),
        settings.ShareInput(f"organisation-{world.landlord_a.id}", "fixed", amount="1 200,50")])
    found = settings.set_year_settings(session, world.users["coordinator"], YEAR, data, 0)
    assert [share.name for share in found.shares] == ["Ronchin", "EPSM", "Habitat A"]
    assert amounts(session) == {"Ronchin": 740000, "EPSM": 1060000, "Habitat A": 120050}


def test_the_settings_are_locked_once_a_contribution_is_called(session: Session, world: World) -> None:
    treasurer = world.users["treasurer"]
    first = treasury.contributions(session, treasurer, YEAR)[0]
    treasury.call_contribution(session, treasurer, first.id, f"{YEAR}-01-15")
    session.commit()
    with pytest.raises(InvalidInput) as refused:
        settings.set_year_settings(session, world.users["coordinator"], YEAR, decided(session, world), 0)
    session.rollback()
    assert refused.value.errors[""][0].msgid == (
        "A contribution of %(year)s has been called: its settings no longer change.")
    assert settings.year_settings(session, treasurer, YEAR).locked
    assert amounts(session) == {"Ronchin": 740000, "Lesquin": 320000, "EPSM": 1060000}
    assert session.scalar(select(func.count()).select_from(ContributionSettings)) == 0


def test_bad_input_is_refused_at_its_fields_and_nothing_is_saved(session: Session, world: World) -> None:
    treasury.contributions(session, world.users["treasurer"], YEAR)
    session.commit()
    named = keys(session, world)
    data = decided(session, world, "abc", Ronchin=settings.ShareInput(named["Ronchin"], "population", "-3"),
                   Lesquin=settings.ShareInput(named["Lesquin"], "shares"),
                   EPSM=settings.ShareInput(named["EPSM"], "fixed", amount=""))
    with pytest.raises(InvalidInput) as refused:
        settings.set_year_settings(session, world.users["coordinator"], YEAR, data, 0)
    session.rollback()
    assert set(refused.value.errors) == {"rate", f"population-{named['Ronchin']}", f"base-{named['Lesquin']}",
                                         f"amount-{named['EPSM']}"}
    assert refused.value.errors[f"amount-{named['EPSM']}"][0].msgid == "Give the fixed amount in euros."
    for rate in ("-0,10", ""):
        with pytest.raises(InvalidInput) as refused:
            settings.set_year_settings(session, world.users["coordinator"], YEAR, decided(session, world, rate), 0)
        session.rollback()
        assert set(refused.value.errors) == {"rate"}
    with pytest.raises(InvalidInput):
        settings.set_year_settings(session, world.users["coordinator"], YEAR, settings.SettingsInput("0,40", []), 0)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ContributionSettings)) == 0
    assert amounts(session) == {"Ronchin": 740000, "Lesquin": 320000, "EPSM": 1060000}


def test_a_concurrent_change_is_refused(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    settings.set_year_settings(session, coordinator, YEAR, decided(session, world), 0)
    session.commit()
    with pytest.raises(ConcurrentChange):  # drawn from the defaults, saved meanwhile
        settings.set_year_settings(session, coordinator, YEAR, decided(session, world, "0,60"), 0)
    session.rollback()
    assert settings.set_year_settings(session, coordinator, YEAR, decided(session, world, "0,60"), 1).version == 2


def test_each_change_is_audited(session: Session, world: World) -> None:
    settings.set_year_settings(session, world.users["coordinator"], YEAR, decided(session, world), 0)
    session.commit()
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "contribution.settings_set")).scalar_one()
    details = json.loads(entry.details)
    assert details["rate_cents"] == {"from": 40, "to": 50}
    assert details["total_cents"] == {"from": 1_060_000 * 2, "to": 1_825_000}


def test_the_treasurer_reads_the_settings_but_only_the_coordinator_sets_them(session: Session, world: World) -> None:
    assert settings.year_settings(session, world.users["treasurer"], YEAR).shares
    for login in ("treasurer", "care_a", "chair", "dpo"):
        with pytest.raises(Forbidden):
            settings.set_year_settings(session, world.users[login], YEAR, decided(session, world), 0)
    for login in ("care_a", "landlord_a", "dpo"):
        with pytest.raises(Forbidden):
            settings.year_settings(session, world.users[login], YEAR)
    assert date(YEAR, 1, 1).year == YEAR


def test_two_first_saves_at_the_same_moment_one_wins_and_the_other_is_told(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both editors drew the form from the defaults; the other one's save lands between our read and our write:
    ours is refused as a concurrent change (not a database error), and theirs stands."""
    coordinator = world.users["coordinator"]
    bind = session.get_bind()
    real_called = settings._called

    def other_editor_saves_first(inner: Session, year: int) -> bool:
        monkeypatch.setattr(settings, "_called", real_called)
        with Session(bind=bind) as other:
            settings.set_year_settings(other, other.get(type(coordinator), coordinator.id), year,
                                       decided(other, world, "0,70"), 0)
            other.commit()
        return real_called(inner, year)

    session.commit()
    monkeypatch.setattr(settings, "_called", other_editor_saves_first)
    with pytest.raises(ConcurrentChange):
        settings.set_year_settings(session, coordinator, YEAR, decided(session, world, "0,60"), 0)
    session.rollback()
    assert session.execute(select(ContributionSettings.rate_cents).where(ContributionSettings.year == YEAR)
                           ).scalar_one() == 70
