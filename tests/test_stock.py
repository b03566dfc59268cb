"""The coordinator keeps the stock alive: places, their steps, partners, agreements and their renewal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission.errors import ConcurrentChange, Forbidden, InvalidInput, TransitionRefused
from commission.models import (
    Agreement,
    AuditEntry,
    LeaseKind,
    Occupancy,
    Organisation,
    OrganisationKind,
    Place,
    PlaceKind,
    PlaceTransition,
    User,
)
from commission.parsing import parse_euros
from commission.services import audit, stock
from commission.workflow.engine import FireContext
from tests.cases_helpers import new_case
from tests.conftest import World, fresh, rolled_back_unless_asking_for
from tests.test_case_concurrency import race

TODAY = date(2026, 3, 2)


def place_input(world: World, **overrides: object) -> stock.PlaceInput:
    data = stock.PlaceInput(
        reference="APP-010", kind="apartment", town_id=str(world.towns["Ronchin"].id), address="3 rue Victor Hugo",
        organisation_id=str(world.landlord_a.id), rooms="2", surface_m2="45", floor="1", accessible=True,
        rent="350,00", charges="45,5", deposit="1 200",
    )
    for name, value in overrides.items():
        setattr(data, name, value)
    return data


def agreement_input(world: World, **overrides: object) -> stock.AgreementInput:
    data = stock.AgreementInput(
        organisation_id=str(world.landlord_a.id), reference="CONV-A-2024", title="Convention Habitat A",
        start_date="2024-01-01", end_date="2026-12-31", renewal="explicit", notice_months="3",
    )
    for name, value in overrides.items():
        setattr(data, name, value)
    return data


def step(session: Session, actor: User, place: Place, trigger: str, day: date = TODAY) -> None:
    """A step the allocation and the move-in take (their services are not this module's)."""
    locked = session.execute(select(Place).where(Place.id == place.id).with_for_update()).scalar_one()
    stock.fire_place(session, actor, locked, trigger, FireContext(actor=actor, today=day))
    session.commit()


def move_in(session: Session, world: World, place: Place, day: date, first_name: str = "Ada") -> Occupancy:
    """Someone is offered the place and moves in: the tenancy is written as the move-in would write it."""
    coordinator = world.users["coordinator"]
    case = new_case(session, world, first_name=first_name)
    step(session, coordinator, place, "offer", day)
    step(session, coordinator, place, "occupy", day)
    occupancy = Occupancy(place_id=place.id, case_id=case.id, lease_kind=LeaseKind.SUBLEASE, lease_start=day,
                          move_in_date=day)
    session.add(occupancy)
    session.commit()
    return occupancy


def move_out(session: Session, world: World, place: Place, occupancy: Occupancy, day: date) -> None:
    occupancy.ended_on = day
    step(session, world.users["coordinator"], place, "vacate", day)


def count(session: Session, model: type[object]) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


# ---------------------------------------------------------------- places


def test_the_coordinator_adds_a_place_with_amounts_in_euros(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    place = stock.create_place(session, coordinator, place_input(world), today=TODAY)
    fresh(session)
    assert (place.rent_cents, place.charges_cents, place.deposit_cents) == (35000, 4550, 120000)
    assert (place.state, place.active, place.vacant_since) == ("available", True, TODAY)
    assert (place.rooms, place.surface_m2, place.floor, place.accessible) == (2, 45, 1, True)
    history = session.execute(select(PlaceTransition).where(PlaceTransition.place_id == place.id)).scalars().all()
    assert [(row.trigger, row.from_state, row.to_state, row.actor_id) for row in history] == [
        ("create", None, "available", coordinator.id)]
    actions = session.execute(select(AuditEntry.action).where(AuditEntry.object_id == str(place.id),
                                                              AuditEntry.object_type == "place")).scalars().all()
    assert actions == ["place.created"]
    assert stock.PlaceInput.of(place).rent == "350,00"


def test_bad_input_is_refused_field_by_field_and_nothing_is_added(session: Session, world: World) -> None:
    hospital = session.execute(select(Organisation).where(Organisation.kind == OrganisationKind.HOSPITAL)).scalar_one()
    with pytest.raises(InvalidInput) as refused:
        stock.create_place(session, world.users["coordinator"], place_input(
            world, reference="app-001", kind="castle", town_id="999", address=" ", organisation_id=str(hospital.id),
            rooms="-1", surface_m2="0", floor="deux", rent="-350", charges="quarante", deposit="",
        ), today=TODAY)
    errors = {name: [message.msgid for message in messages] for name, messages in refused.value.errors.items()}
    assert errors == {
        "reference": ["Another place already has this reference."],
        "kind": ["Choose a kind of place from the list."],
        "town_id": ["Choose the town."],
        "address": ["Give the address."],
        "organisation_id": ["Choose a social landlord, a hostel, a residence or a reception structure."],
        "rooms": ["Give a whole number between %(minimum)s and %(maximum)s."],
        "surface_m2": ["Give a whole number between %(minimum)s and %(maximum)s."],
        "floor": ["Give a whole number."],
        "rent": ["The amount cannot be negative."],
        "charges": ["This is not an amount in euros (for example 350,00)."],
        "deposit": ["Give the amount in euros (0 if there is none)."],
    }
    fresh(session)
    assert count(session, Place) == 2


@pytest.mark.parametrize("typed, cents", [("350", 35000), ("350,5", 35050), ("1 234,56", 123456), ("0", 0),
                                          ("12.30 €", 1230)])
def test_amounts_as_people_type_them(typed: str, cents: int) -> None:
    assert parse_euros(typed, maximum=stock.MAX_AMOUNT_CENTS) == cents


@pytest.mark.parametrize("typed", ["-1", "abc", "3,456", "1e3", "nan", "99999999"])
def test_amounts_that_are_not_amounts(typed: str) -> None:
    with pytest.raises(InvalidInput):
        parse_euros(typed, maximum=stock.MAX_AMOUNT_CENTS)


def test_only_the_coordinator_keeps_the_stock(session: Session, world: World) -> None:
    for login in ("landlord_a", "treasurer", "chair", "member", "care_a"):
        with pytest.raises(Forbidden):
            stock.create_place(session, world.users[login], place_input(world), today=TODAY)
        with pytest.raises(Forbidden):
            stock.withdraw(session, world.users[login], world.place_a.id, "Works", expected_version=None)
        with pytest.raises(Forbidden):
            stock.create_agreement(session, world.users[login], agreement_input(world))
        with pytest.raises(Forbidden):
            stock.agreements_to_renew(session, world.users[login], TODAY)
    fresh(session)
    assert count(session, Place) == 2 and world.place_a.state == "available"


def test_an_edit_changes_the_details_and_is_audited(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    place = world.place_a
    data = stock.PlaceInput.of(place)
    data.rent, data.address = "310,00", "5 rue Pasteur"
    stock.update_place(session, coordinator, place.id, data, expected_version=place.version)
    fresh(session)
    assert (place.rent_cents, place.address, place.version) == (31000, "5 rue Pasteur", 2)
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "place.updated")).scalar_one()
    assert '"rent_cents":[30000,31000]' in entry.details


def test_two_edits_from_the_same_version_one_is_told_it_changed(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    place = world.place_a
    seen = place.version
    first = stock.PlaceInput.of(place)
    first.rent = "310,00"
    second = stock.PlaceInput.of(place)
    second.rent = "320,00"
    stock.update_place(session, coordinator, place.id, first, expected_version=seen)
    with pytest.raises(ConcurrentChange):
        stock.update_place(session, coordinator, place.id, second, expected_version=seen)
    fresh(session)
    assert place.rent_cents == 31000


def test_two_edits_at_the_same_instant_only_one_is_written(engine: Engine, session: Session, world: World) -> None:
    coordinator_id, place_id, version = world.users["coordinator"].id, world.place_a.id, world.place_a.version

    def edit(rent: str) -> Callable[[Session], object]:
        def act(own: Session) -> object:
            actor = own.get(User, coordinator_id)
            assert actor is not None
            data = stock.PlaceInput.of(own.get_one(Place, place_id))
            data.rent = rent
            return stock.update_place(own, actor, place_id, data, expected_version=version)

        return act

    results = race(engine, [edit("310,00"), edit("320,00")])
    assert sum(isinstance(result, Place) for result in results) == 1, results
    assert sum(isinstance(result, ConcurrentChange) for result in results) == 1, results
    fresh(session)
    assert world.place_a.version == version + 1
    assert audit.verify(session).ok


# ---------------------------------------------------------------- the place machine's manual steps


def test_a_free_place_is_withdrawn_with_its_reason_and_reinstated(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    place = world.place_a
    with pytest.raises(InvalidInput) as refused:
        stock.withdraw(session, coordinator, place.id, "  ", expected_version=place.version, today=TODAY)
    assert list(refused.value.errors) == ["reason"]
    stock.withdraw(session, coordinator, place.id, "Heavy works on the building", expected_version=place.version,
                   today=TODAY)
    fresh(session)
    assert (place.state, place.active, place.vacant_since) == ("withdrawn", False, None)
    with pytest.raises(TransitionRefused):
        stock.withdraw(session, coordinator, place.id, "Again", expected_version=place.version, today=TODAY)
    stock.reinstate(session, coordinator, place.id, expected_version=place.version, today=date(2026, 6, 1))
    fresh(session)
    assert (place.state, place.active, place.vacant_since) == ("available", True, date(2026, 6, 1))
    rows = session.execute(select(PlaceTransition).where(PlaceTransition.place_id == place.id)
                           .order_by(PlaceTransition.id)).scalars().all()
    assert [(row.trigger, row.from_state, row.to_state, row.reason) for row in rows] == [
        ("withdraw", "available", "withdrawn", "Heavy works on the building"),
        ("reinstate", "withdrawn", "available", ""),
    ]
    assert all(row.actor_name == coordinator.display_name for row in rows)
    assert audit.verify(session).ok


def test_an_occupied_place_cannot_be_withdrawn(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    place = world.place_a
    move_in(session, world, place, date(2025, 1, 10))
    fresh(session)
    with pytest.raises(TransitionRefused) as refused:
        stock.withdraw(session, coordinator, place.id, "Agreement ends", expected_version=place.version, today=TODAY)
    assert "occupied" in refused.value.message.msgid
    with pytest.raises(TransitionRefused):
        stock.make_available(session, coordinator, place.id, "Clean", expected_version=place.version, today=TODAY)
    fresh(session)
    assert place.state == "occupied"


def test_a_place_allocated_by_a_hearing_is_not_withdrawn(session: Session, world: World) -> None:
    """The allocation holds the place even before the place machine is told: the holder is checked too."""
    coordinator = world.users["coordinator"]
    case = new_case(session, world)
    case.allocated_place_id, case.state = world.place_a.id, "allocated"
    session.commit()
    with pytest.raises(TransitionRefused) as refused:
        stock.withdraw(session, coordinator, world.place_a.id, "x", expected_version=None, today=TODAY)
    assert "holds this place" in refused.value.messages[0].msgid


def test_after_the_exit_the_place_becomes_available_with_its_inventory(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    place = world.place_a
    tenancy = move_in(session, world, place, date(2024, 5, 1))
    move_out(session, world, place, tenancy, date(2026, 1, 31))
    fresh(session)
    assert place.state == "vacated"
    with pytest.raises(InvalidInput) as refused:
        stock.make_available(session, coordinator, place.id, "", expected_version=place.version, today=TODAY)
    assert list(refused.value.errors) == ["inventory"]
    stock.make_available(session, coordinator, place.id, "Walls repainted; one tap replaced.",
                         expected_version=place.version, today=TODAY)
    fresh(session)
    assert (place.state, place.vacant_since) == ("available", TODAY)
    assert tenancy.exit_inventory == "Walls repainted; one tap replaced."
    last = session.execute(select(PlaceTransition).where(PlaceTransition.place_id == place.id)
                           .order_by(PlaceTransition.id.desc()).limit(1)).scalar_one()
    assert (last.trigger, last.reason) == ("make_available", "Walls repainted; one tap replaced.")


def test_a_step_from_a_page_seen_before_a_change_is_refused(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    seen = world.place_a.version
    stock.update_place(session, coordinator, world.place_a.id, stock.PlaceInput.of(world.place_a), seen)
    data = stock.PlaceInput.of(world.place_a)
    data.floor = "3"
    stock.update_place(session, coordinator, world.place_a.id, data, seen)
    with pytest.raises(ConcurrentChange):
        stock.withdraw(session, coordinator, world.place_a.id, "Works", expected_version=seen, today=TODAY)
    fresh(session)
    assert world.place_a.state == "available"


def test_the_history_is_newest_first_and_names_stay_with_the_coordinator(session: Session, world: World) -> None:
    place = world.place_a
    first = move_in(session, world, place, date(2022, 3, 1), "Ada")
    move_out(session, world, place, first, date(2023, 6, 30))
    stock.make_available(session, world.users["coordinator"], place.id, "Fine", expected_version=place.version,
                         today=date(2023, 7, 15))
    move_in(session, world, place, date(2023, 9, 1), "Bea")
    fresh(session)
    coordinator_view = stock.place_view(session, world.users["coordinator"], place.id)
    assert [row.move_in_date for row in coordinator_view.history] == [date(2023, 9, 1), date(2022, 3, 1)]
    assert coordinator_view.current is not None and coordinator_view.current.person == "Bea Martin"
    landlord_view = stock.place_view(session, world.users["landlord_a"], place.id)
    assert landlord_view.current is not None and landlord_view.current.person is None
    assert all(row.person is None and row.exit_inventory == "" for row in landlord_view.history)
    assert all(row.reason == "" for row in landlord_view.transitions) and not landlord_view.steps
    with pytest.raises(Forbidden):
        stock.place_view(session, world.users["landlord_b"], place.id)


# ---------------------------------------------------------------- partners


def test_partners_are_added_checked_and_deactivated_once_they_hold_nothing(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    hostel = stock.create_partner(session, coordinator, stock.PartnerInput(
        name="Foyer Les Tilleuls", kind="hostel", town_id=str(world.towns["Lesquin"].id), email="foyer@example.org"))
    assert hostel.active and hostel.kind is OrganisationKind.HOSTEL
    with pytest.raises(InvalidInput) as refused:
        stock.create_partner(session, coordinator, stock.PartnerInput(name="habitat a", kind="hospital",
                                                                      email="nope"))
    assert set(refused.value.errors) == {"name", "kind", "email"}
    with pytest.raises(InvalidInput) as refused:
        stock.update_partner(session, coordinator, world.landlord_a.id,
                             stock.PartnerInput(name="Habitat A", kind="residence"))
    assert list(refused.value.errors) == ["kind"]  # its representatives' accounts are bound to a landlord
    with pytest.raises(TransitionRefused):
        stock.set_partner_active(session, coordinator, world.landlord_b.id, False)
    stock.withdraw(session, coordinator, world.place_b.id, "Sold", expected_version=None, today=TODAY)
    stock.set_partner_active(session, coordinator, world.landlord_b.id, False)
    fresh(session)
    assert not world.landlord_b.active
    with pytest.raises(InvalidInput) as refused:
        stock.create_place(session, coordinator, place_input(world, organisation_id=str(world.landlord_b.id)),
                           today=TODAY)
    assert [m.msgid for m in refused.value.errors["organisation_id"]] == ["This partner is no longer active."]
    rows = {row.organisation.name: (row.places, row.agreements) for row in stock.list_partners(session, coordinator)}
    assert rows == {"Habitat A": (1, 0), "Foyer Les Tilleuls": (0, 0), "Habitat B": (0, 0)}
    assert "EPSM" not in rows


# ---------------------------------------------------------------- agreements


def test_agreements_are_validated(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    stock.create_agreement(session, coordinator, agreement_input(world))
    hospital = session.execute(select(Organisation).where(Organisation.kind == OrganisationKind.HOSPITAL)).scalar_one()
    with pytest.raises(InvalidInput) as refused:
        stock.create_agreement(session, coordinator, agreement_input(
            world, organisation_id=str(hospital.id), reference="conv-a-2024", title="", start_date="2026-01-01",
            end_date="2025-01-01", renewal="sometimes", notice_months="-2"))
    assert set(refused.value.errors) == {"organisation_id", "reference", "title", "end_date", "renewal",
                                         "notice_months"}
    with pytest.raises(InvalidInput) as refused:
        stock.create_agreement(session, coordinator, agreement_input(world, reference="X", end_date="",
                                                                     renewal="tacit"))
    assert list(refused.value.errors) == ["end_date"]
    fresh(session)
    assert count(session, Agreement) == 1


def test_an_agreement_covers_only_its_partners_places(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    agreement = stock.create_agreement(session, coordinator, agreement_input(world))
    with pytest.raises(InvalidInput):
        stock.attach_places(session, coordinator, agreement.id, [world.place_a.id, world.place_b.id])
    assert stock.attach_places(session, coordinator, agreement.id, [world.place_a.id]) == 1
    fresh(session)
    assert world.place_a.agreement_id == agreement.id and world.place_b.agreement_id is None
    view = stock.agreement_view(session, coordinator, agreement.id)
    assert [place.reference for place in view.places] == ["APP-001"]


def test_ending_an_agreement_withdraws_its_free_places_and_keeps_the_occupied(session: Session,
                                                                            world: World) -> None:
    coordinator = world.users["coordinator"]
    agreement = stock.create_agreement(session, coordinator, agreement_input(world))
    occupied = world.place_a
    vacated = stock.create_place(session, coordinator, place_input(world, reference="APP-011"), today=TODAY)
    free = stock.create_place(session, coordinator, place_input(world, reference="APP-012"), today=TODAY)
    stock.attach_places(session, coordinator, agreement.id, [occupied.id, vacated.id, free.id])
    move_in(session, world, occupied, date(2025, 2, 1), "Ada")
    tenancy = move_in(session, world, vacated, date(2025, 3, 1), "Bea")
    move_out(session, world, vacated, tenancy, date(2026, 2, 15))
    with pytest.raises(InvalidInput):
        stock.end_agreement(session, coordinator, agreement.id, "2026-04-01", today=TODAY)  # not yet come
    ending = stock.end_agreement(session, coordinator, agreement.id, "2026-02-28", note="Not renewed", today=TODAY)
    assert sorted(place.reference for place in ending.withdrawn) == ["APP-011", "APP-012"]
    assert [place.reference for place in ending.staying] == ["APP-001"]
    fresh(session)
    assert agreement.ended_at == date(2026, 2, 28)
    assert (vacated.state, free.state, occupied.state) == ("withdrawn", "withdrawn", "occupied")
    assert not free.active and occupied.active
    reasons = session.execute(select(PlaceTransition.reason).where(PlaceTransition.trigger == "withdraw")).scalars()
    assert all("CONV-A-2024" in reason for reason in reasons)
    assert stock.stayed_after_end(session, occupied)
    with pytest.raises(TransitionRefused):
        stock.update_agreement(session, coordinator, agreement.id, agreement_input(world, title="Changed"))
    with pytest.raises(TransitionRefused):
        stock.reinstate(session, coordinator, free.id, expected_version=None, today=TODAY)
    assert audit.verify(session).ok


def test_the_agreements_to_renew_in_the_next_six_months(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    structure = stock.create_partner(session, coordinator, stock.PartnerInput(name="Résidence du Parc",
                                                                              kind="residence"))
    cases = [
        ("SOON", "2026-05-31", "explicit", "3", world.landlord_a.id),  # ends in three months
        ("TACIT", "2026-10-31", "tacit", "6", world.landlord_b.id),  # notice by 30 April
        ("LATE-TACIT", "2026-12-31", "tacit", "3", structure.id),  # notice by 30 September: beyond
        ("EDGE", "2026-09-02", "none", "0", structure.id),  # ends on the horizon's last day
        ("FAR", "2027-06-30", "explicit", "3", world.landlord_a.id),
        ("PAST", "2026-02-28", "explicit", "3", world.landlord_b.id),  # past its end, still in force
        ("ENDED", "2026-04-30", "explicit", "3", world.landlord_a.id),
    ]
    for reference, end, renewal, notice, organisation in cases:
        stock.create_agreement(session, coordinator, agreement_input(
            world, reference=reference, end_date=end, renewal=renewal, notice_months=notice,
            organisation_id=str(organisation)))
    stock.create_agreement(session, coordinator, agreement_input(world, reference="OPEN", end_date="",
                                                                 renewal="none"))
    ended = session.execute(select(Agreement).where(Agreement.reference == "ENDED")).scalar_one()
    stock.end_agreement(session, coordinator, ended.id, "2026-03-01", today=TODAY)
    due = stock.agreements_to_renew(session, coordinator, TODAY)
    assert [(row.agreement.reference, row.deadline, row.overdue) for row in due] == [
        ("PAST", date(2026, 2, 28), True),
        ("TACIT", date(2026, 4, 30), False),
        ("SOON", date(2026, 5, 31), False),
        ("EDGE", date(2026, 9, 2), False),
    ]
    assert [row.agreement.reference for row in stock.agreements_to_renew(session, coordinator, TODAY, months=1)] \
        == ["PAST"]
    listing = stock.list_agreements(session, coordinator)
    assert listing.items[-1].agreement.reference == "ENDED" and listing.total == 8


def test_months_are_added_within_the_month() -> None:
    assert stock.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert stock.add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert stock.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert stock.add_months(date(2026, 2, 15), -14) == date(2024, 12, 15)


# ---------------------------------------------------------------- vacancies


def test_vacancy_durations_now_and_on_average_by_kind(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    a, b = world.place_a, world.place_b
    first = move_in(session, world, a, date(2023, 1, 1), "Ada")
    move_out(session, world, a, first, date(2024, 1, 31))
    stock.make_available(session, coordinator, a.id, "Fine", expected_version=None, today=date(2024, 2, 20))
    second = move_in(session, world, a, date(2024, 3, 1), "Bea")  # 30 days after the exit
    move_out(session, world, a, second, date(2025, 12, 31))
    stock.make_available(session, coordinator, a.id, "Fine", expected_version=None, today=date(2026, 1, 20))
    third = move_in(session, world, b, date(2023, 6, 1), "Cleo")
    move_out(session, world, b, third, date(2023, 6, 30))
    stock.make_available(session, coordinator, b.id, "Fine", expected_version=None, today=date(2023, 7, 1))
    move_in(session, world, b, date(2023, 9, 28), "Dora")  # 90 days after the exit
    hostel = stock.create_partner(session, coordinator, stock.PartnerInput(name="Foyer", kind="hostel"))
    stock.create_place(session, coordinator, place_input(world, reference="F-1", kind="hostel_place",
                                                         organisation_id=str(hostel.id)), today=date(2026, 2, 1))
    report = stock.vacancy_durations(session, coordinator, TODAY)
    assert [(row.place.reference, row.days) for row in report.places] == [("APP-001", 41), ("F-1", 29)]
    kinds = {row.kind: (row.vacant_now, row.gaps, row.average_days) for row in report.by_kind}
    assert kinds[PlaceKind.APARTMENT] == (1, 2, 60.0)
    assert kinds[PlaceKind.HOSTEL_PLACE] == (1, 0, None)
    with pytest.raises(Forbidden):
        stock.vacancy_durations(session, world.users["landlord_a"], TODAY)


def test_two_edits_of_one_agreement_or_partner_from_the_same_page(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    agreement = stock.create_agreement(session, coordinator, agreement_input(world))
    seen = agreement.version
    stock.update_agreement(session, coordinator, agreement.id, agreement_input(world, title="First"), seen)
    with pytest.raises(ConcurrentChange):
        stock.update_agreement(session, coordinator, agreement.id, agreement_input(world, title="Second"), seen)
    fresh(session)
    assert agreement.title == "First"
    partner = world.landlord_b
    seen = partner.version
    stock.update_partner(session, coordinator, partner.id, stock.PartnerInput(name="Habitat B", kind="landlord",
                                                                               phone="1"), seen)
    with pytest.raises(ConcurrentChange):
        stock.update_partner(session, coordinator, partner.id, stock.PartnerInput(name="Habitat B2", kind="landlord"),
                             seen)
    fresh(session)
    assert partner.name == "Habitat B" and partner.phone == "1"


@pytest.fixture
def isolation(request: pytest.FixtureRequest) -> str:
    """Through ``session`` only, rolled back on PostgreSQL; copied for the tests that take the engine (the race)."""
    return rolled_back_unless_asking_for(request, "engine")
