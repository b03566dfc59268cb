"""From allocation to keys in hand, and back: the place, the occupancy, the deposit and the ledger
follow each step of the file, through the services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.errors import Forbidden, InvalidInput, TransitionRefused
from commission.models import (
    Account,
    Case,
    Deposit,
    DepositTransition,
    EntryKind,
    LedgerEntry,
    Occupancy,
    Place,
    PlaceTransition,
)
from commission.models.treasury import LedgerIsAppendOnly
from commission.services import accounts, followup, hearings, integrity, treasury
from tests.cases_helpers import step
from tests.conftest import World, fresh, is_postgres
from tests.hearings_helpers import HEARING_DAY, sitting


def case(session: Session, case_id: int) -> Case:
    found = session.get(Case, case_id)
    assert found is not None
    return found


def deposit_of(session: Session, case_id: int) -> Deposit:
    return session.execute(select(Deposit).where(Deposit.case_id == case_id)).scalar_one()


def test_from_allocation_to_exit(session: Session, world: World) -> None:
    coordinator, chair, care, treasurer = (world.users[name] for name in ("coordinator", "chair", "care_a",
                                                                           "treasurer"))
    accounts.grant_signing_delegation(session, coordinator, world.users["member"].id)
    delegate = world.users["member"]
    s = sitting(session, world, ["Ada", "Bea"])
    first, second = s.hearing.items
    hearings.decide_item(session, chair, s.hearing.id, first.id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Fits"), today=HEARING_DAY)
    hearings.decide_item(session, chair, s.hearing.id, second.id, hearings.DecisionInput(
        decision="ranked", place_id=str(world.place_a.id), rank="2", reason="Next"), today=HEARING_DAY)
    ada, bea = (case.id for case in s.cases)
    fresh(session)
    place = session.get(Place, world.place_a.id)
    assert place is not None and place.state == "offered"
    assert deposit_of(session, ada).state == "requested"

    # Ada declines: the place goes to Bea, Ada's deposit is cancelled, Bea's is requested
    step(session, care, case(session, ada), "decline_offer", reason="Too far from her family",
         today=HEARING_DAY + timedelta(days=3))
    fresh(session)
    assert case(session, ada).state == "waiting_list" and case(session, ada).decline_count == 1
    assert case(session, bea).state == "allocated" and case(session, bea).allocated_place_id == place.id
    assert deposit_of(session, ada).state == "cancelled"
    bea_deposit = deposit_of(session, bea)
    assert bea_deposit.state == "requested" and bea_deposit.amount_cents == 30000
    assert place.state == "offered"

    # Bea accepts; only the delegation holder commits the council; the treasurer pays
    day = HEARING_DAY + timedelta(days=5)
    step(session, care, case(session, bea), "accept_offer", today=day)
    with pytest.raises(Forbidden):
        treasury.fire_deposit(session, treasurer, bea_deposit.id, "commit", expected_version=None, today=day)
    treasury.fire_deposit(session, delegate, bea_deposit.id, "commit", expected_version=None, today=day)
    with pytest.raises(TransitionRefused, match="before the commitment"):
        treasury.fire_deposit(session, treasurer, bea_deposit.id, "pay", expected_version=None, today=day,
                              movement=treasury.Movement(value_date=(day - timedelta(days=1)).isoformat()))
    treasury.fire_deposit(session, treasurer, bea_deposit.id, "pay", expected_version=None, today=day,
                          movement=treasury.Movement(value_date=day.isoformat(), reference="VIR-2026-031"))
    with pytest.raises(TransitionRefused):  # never paid twice
        treasury.fire_deposit(session, treasurer, bea_deposit.id, "pay", expected_version=None, today=day,
                              movement=treasury.Movement(value_date=day.isoformat()))

    # the lease, the move-in
    move_in = day + timedelta(days=20)
    step(session, coordinator, case(session, bea), "start_move_in", today=day,
         values={"move_in_date": move_in, "lease_kind": "sublease", "lease_start": move_in})
    step(session, coordinator, case(session, bea), "confirm_housed", today=move_in)
    fresh(session)
    occupancy = session.execute(select(Occupancy).where(Occupancy.case_id == bea)).scalar_one()
    assert occupancy.lease_kind.value == "sublease" and occupancy.ended_on is None
    assert place.state == "occupied"

    # the exit: the occupancy ends, the place is vacated, the refund is claimed then partly retained
    leave = move_in + timedelta(days=400)
    step(session, care, case(session, bea), "start_exit", reason="Ordinary housing reached", today=leave)
    followup.record_exit(session, coordinator, bea, followup.ExitInput(
        reason="ordinary_housing", exit_date=(leave + timedelta(days=10)).isoformat(), place_condition="good",
    ), today=leave + timedelta(days=10))
    fresh(session)
    assert occupancy.ended_on == leave + timedelta(days=10)
    assert place.state == "vacated"
    assert bea_deposit.state == "refund_claimed"
    later = leave + timedelta(days=60)
    with pytest.raises(InvalidInput):  # more than the deposit
        treasury.fire_deposit(session, treasurer, bea_deposit.id, "retain", expected_version=None, today=later,
                              movement=treasury.Movement(value_date=later.isoformat(), refunded="400,00",
                                                         reason="Damage"))
    treasury.fire_deposit(session, treasurer, bea_deposit.id, "retain", expected_version=None,
                          today=leave + timedelta(days=60),
                          movement=treasury.Movement(value_date=(leave + timedelta(days=60)).isoformat(),
                                                     refunded="220,00", reason="Kitchen door to be replaced"))
    fresh(session)
    assert (bea_deposit.state, bea_deposit.refunded_cents, bea_deposit.retained_cents) == ("retained", 22000, 8000)
    kinds = session.execute(select(LedgerEntry.kind).where(LedgerEntry.deposit_id == bea_deposit.id)
                            .order_by(LedgerEntry.id)).scalars().all()
    assert kinds == [EntryKind.DEPOSIT_PAID, EntryKind.RETENTION]
    totals = treasury.balances(session)
    assert totals[Account.BANK] == -30000 + 22000 and totals[Account.RETENTIONS] == 8000
    assert totals[Account.DEPOSITS_RECEIVABLE] == 0
    steps = session.execute(select(DepositTransition.trigger).where(DepositTransition.deposit_id == bea_deposit.id)
                            .order_by(DepositTransition.id)).scalars().all()
    assert steps == ["request", "commit", "pay", "claim_refund", "retain"]
    place_steps = session.execute(select(PlaceTransition.trigger).where(PlaceTransition.place_id == place.id)
                                  .order_by(PlaceTransition.id)).scalars().all()
    assert place_steps == ["offer", "release", "offer", "occupy", "vacate"]
    assert integrity.check_all(session)[1] == []

    # the ledger never changes
    entry = session.execute(select(LedgerEntry).where(LedgerEntry.deposit_id == bea_deposit.id)).scalars().first()
    assert entry is not None
    entry.label = "changed"
    with pytest.raises(LedgerIsAppendOnly):
        session.flush()
    session.rollback()


def test_bad_amounts_are_refused(session: Session) -> None:
    for text in ("-5", "abc", "12,345", "", "0", "1e3", "NaN", "99999999999"):
        with pytest.raises(InvalidInput):
            treasury.parse_amount(text)
    assert treasury.parse_amount("1 234,56") == 123456
    assert treasury.parse_amount("350") == 35000


def test_a_payment_needs_a_commitment(session: Session, world: World) -> None:
    chair, treasurer = world.users["chair"], world.users["treasurer"]
    s = sitting(session, world, ["Ada"])
    hearings.decide_item(session, chair, s.hearing.id, s.hearing.items[0].id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Fits"), today=HEARING_DAY)
    deposit = deposit_of(session, s.cases[0].id)
    with pytest.raises(TransitionRefused):
        treasury.fire_deposit(session, treasurer, deposit.id, "pay", expected_version=None, today=HEARING_DAY,
                              movement=treasury.Movement(value_date=HEARING_DAY.isoformat()))
    fresh(session)
    assert deposit.state == "requested"
    assert session.execute(select(LedgerEntry)).first() is None


def test_contributions_are_called_and_received(session: Session, world: World) -> None:
    treasurer = world.users["treasurer"]
    rows = treasury.contributions(session, treasurer, 2026)
    by_name = {row.contributor: row for row in rows}
    assert by_name["Ronchin"].amount_cents == 18500 * 40
    assert by_name["EPSM"].amount_cents == (18500 + 8000) * 40
    row = by_name["Lesquin"]
    treasury.set_contribution_amount(session, treasurer, row.id, "3 000,00")
    treasury.call_contribution(session, treasurer, row.id, "2026-02-01")
    with pytest.raises(InvalidInput):
        treasury.set_contribution_amount(session, treasurer, row.id, "10,00")
    with pytest.raises(InvalidInput):
        treasury.receive_contribution(session, treasurer, row.id, "2026-01-15", "transfer")
    treasury.receive_contribution(session, treasurer, row.id, "2026-03-01", "transfer", "VIR 12")
    with pytest.raises(InvalidInput):
        treasury.receive_contribution(session, treasurer, row.id, "2026-03-02", "transfer")
    assert treasury.balances(session)[Account.BANK] == 300000
    assert integrity.check_all(session)[1] == []
    with pytest.raises(Forbidden):
        treasury.contributions(session, world.users["care_a"], 2026)


def test_ending_with_no_move_in_frees_the_place(session: Session, world: World) -> None:
    chair = world.users["chair"]
    s = sitting(session, world, ["Ada"])
    hearings.decide_item(session, chair, s.hearing.id, s.hearing.items[0].id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Fits"), today=HEARING_DAY)
    step(session, world.users["care_a"], case(session, s.cases[0].id), "withdraw", reason="Moves to her sister's",
         today=HEARING_DAY + date.resolution)
    fresh(session)
    place = session.get(Place, world.place_a.id)
    assert place is not None and place.state == "available"
    assert deposit_of(session, s.cases[0].id).state == "cancelled"
    assert integrity.check_all(session)[1] == []


def test_the_offer_and_the_commitment_letters(session: Session, world: World) -> None:
    import io

    from pypdf import PdfReader

    from commission.documents.tenancy_letters import render_commitment, render_offer
    from commission.models import SigningDelegation
    from commission.services import tenancy_documents

    def text(data: bytes) -> str:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)

    coordinator, chair = world.users["coordinator"], world.users["chair"]
    accounts.grant_signing_delegation(session, coordinator, world.users["member"].id)
    s = sitting(session, world, ["Ada"])
    hearings.decide_item(session, chair, s.hearing.id, s.hearing.items[0].id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Fits"), today=HEARING_DAY)
    fresh(session)
    from commission.services.letters import profile

    profile.update(session, coordinator, profile.ProfileInput(
        street="1 rue Jean Jaurès", postcode="59370", town="Mons-en-Barœul", phone="03 20 00 00 00",
        contact_name="Claire Dubois", president_name="Jean Lefebvre", means_threshold="300",
        new_examination_days="60"), expected_version=None)
    session.commit()
    offer = text(render_offer(tenancy_documents.offer_letter(session, world.users["care_a"], s.cases[0].id)))
    assert "Ada Martin" in offer and "APP-001" in offer and "300,00" in offer and "29 mars 2026" in offer
    # a letter a council signs: letterhead, references, contact, place and date, La Poste's address
    flat = " ".join(offer.split())
    for part in ("59370 MONS EN BAROEUL", "N/Réf.", s.cases[0].reference, "Affaire suivie par : Claire Dubois",
                 "Mons-en-Barœul, le", "59810 LESQUIN", "Copie : CMP Ronchin"):
        assert part.replace(" : ", "\u00a0: ") in flat or part in flat, part
    with pytest.raises(Forbidden):
        tenancy_documents.offer_letter(session, world.users["care_b"], s.cases[0].id)
    deposit = deposit_of(session, s.cases[0].id)
    with pytest.raises(TransitionRefused):
        tenancy_documents.commitment_letter(session, coordinator, deposit.id)
    treasury.fire_deposit(session, world.users["member"], deposit.id, "commit", expected_version=None,
                          today=HEARING_DAY)
    letter = tenancy_documents.commitment_letter(session, world.users["treasurer"], deposit.id)
    assert letter.signatory_name == "User member"
    commitment = " ".join(text(render_commitment(letter)).split())
    assert "User member" in commitment and "300,00" in commitment
    # signed for the president by the holder of the delegation, named, with the seat they hold
    assert "Pour le président et par délégation, User member" in commitment
    assert "délégation de signature depuis" not in commitment and letter.reference in commitment
    # the delegation passes on: the history keeps who held it and when
    accounts.grant_signing_delegation(session, coordinator, world.users["treasurer"].id)
    history = session.execute(select(SigningDelegation).order_by(SigningDelegation.id)).scalars().all()
    assert [(row.user_id, row.revoked_at is None) for row in history] == [
        (world.users["member"].id, False), (world.users["treasurer"].id, True)]
    with pytest.raises(Forbidden):  # the landlord of another place
        tenancy_documents.commitment_letter(session, world.users["landlord_b"], deposit.id)


def test_the_reply_deadline_is_configurable(session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMISSION_OFFER_REPLY_DAYS", "15")
    s = sitting(session, world, ["Ada"])
    hearings.decide_item(session, world.users["chair"], s.hearing.id, s.hearing.items[0].id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Fits"), today=HEARING_DAY)
    fresh(session)
    assert case(session, s.cases[0].id).offer_deadline == HEARING_DAY + timedelta(days=15)
    # an answer after the deadline is refused; the offer expires instead, and counts as declined
    late = HEARING_DAY + timedelta(days=16)
    with pytest.raises(TransitionRefused):
        step(session, world.users["care_a"], case(session, s.cases[0].id), "accept_offer", today=late)
    step(session, world.users["coordinator"], case(session, s.cases[0].id), "expire_offer", today=late)
    fresh(session)
    assert case(session, s.cases[0].id).decline_count == 1
    assert integrity.check_all(session)[1] == []


def test_move_in_dates_and_reminders(session: Session, world: World) -> None:
    s = sitting(session, world, ["Ada"])
    hearings.decide_item(session, world.users["chair"], s.hearing.id, s.hearing.items[0].id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Fits"), today=HEARING_DAY)
    from commission import clock
    from commission.services import cases

    fresh(session)
    reminders = cases.offers_awaiting_answer(session, world.users["care_a"], today=HEARING_DAY + timedelta(days=8))
    assert [(r.case.id, r.days_left, r.urgent, r.expired) for r in reminders] == [(s.cases[0].id, 2, True, False)]
    assert cases.offers_awaiting_answer(session, world.users["care_b"], today=HEARING_DAY) == []
    assert cases.offers_awaiting_answer(session, world.users["treasurer"], today=HEARING_DAY) == []
    late = cases.offers_awaiting_answer(session, world.users["coordinator"], today=HEARING_DAY + timedelta(days=11))
    assert late[0].expired
    step(session, world.users["care_a"], case(session, s.cases[0].id), "accept_offer",
         today=HEARING_DAY + timedelta(days=1))
    with clock.travel(HEARING_DAY + timedelta(days=2)), pytest.raises(TransitionRefused, match="before the allocation"):
        step(session, world.users["coordinator"], case(session, s.cases[0].id), "start_move_in",
             today=HEARING_DAY + timedelta(days=2), values={"move_in_date": HEARING_DAY - timedelta(days=5)})
    fresh(session)
    assert case(session, s.cases[0].id).state == "offer_accepted"


@pytest.fixture
def isolation() -> str:
    """The tests go through ``session`` and ``client`` only: on PostgreSQL, the scenario's own database in a
    transaction rolled back at the end, rather than a copy of it (see conftest's ``isolation``)."""
    return "rollback" if is_postgres() else "copy"
