"""What a place proposed would leave a person to live on: the issue's example (a 3-room flat at 407,91 € rent and
82,70 € charges offered to a person with 1 168 € a month), with a housing allowance, with unknown resources, against
the threshold the coordinator keeps; and what each reader reads of it (the figures, or the warning alone)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from sqlalchemy.orm import Session

from commission.models import Case, Place
from commission.models.letters import DEFAULT_MEANS_THRESHOLD_CENTS, CouncilProfile
from commission.services import means, stock
from commission.services.letters import profile
from tests.cases_helpers import TODAY, new_case
from tests.conftest import World


def flat(session: Session, world: World, rent: str = "407,91", charges: str = "82,70") -> Place:
    return stock.create_place(session, world.users["coordinator"], stock.PlaceInput(
        reference="APP-T3", kind="apartment", town_id=str(world.towns["Ronchin"].id), address="12 rue Jean Jaurès",
        organisation_id=str(world.landlord_a.id), rooms="3", rent=rent, charges=charges, deposit="407,91"),
        today=TODAY)


def person(session: Session, world: World, resources: str, allowance: str = "") -> Case:
    return new_case(session, world, "care_a", monthly_resources=resources, housing_allowance=allowance)


def set_threshold(session: Session, cents: int) -> None:
    """The coordinator's threshold, as the council's profile keeps it (its form belongs to the letters' pages)."""
    saved = session.get(CouncilProfile, 1)
    if saved is None:
        saved = profile.current(session)
        session.add(saved)
    saved.means_threshold_cents = cents
    session.commit()


def euros(cents: int) -> str:
    return format_currency(Decimal(cents) / 100, "EUR", locale="fr")


def test_the_issues_flat_leaves_677_euros_39_to_live_on(session: Session, world: World) -> None:
    case, place = person(session, world, "1 168"), flat(session, world)
    found = means.means_for(case, place, means.threshold(session))
    assert (found.resources_cents, found.allowance_cents, found.rent_cents, found.charges_cents) == (
        116800, None, 40791, 8270)
    assert found.housing_cost_cents == 49061
    assert found.left_cents == 67739
    assert euros(found.left_cents) == "677,39\u00a0€"
    assert found.threshold_cents == DEFAULT_MEANS_THRESHOLD_CENTS == 30000
    assert found.below is False


def test_a_housing_allowance_is_counted_with_the_resources(session: Session, world: World) -> None:
    case, place = person(session, world, "1 168", allowance="180,50"), flat(session, world)
    assert case.housing_allowance_cents == 18050
    found = means.means_for(case, place, 30000)
    assert found.left_cents == 116800 + 18050 - 40791 - 8270 == 85789
    assert found.allowance_cents == 18050


def test_unknown_resources_leave_what_is_left_unknown_and_warn_no_one(session: Session, world: World) -> None:
    case, place = person(session, world, "", allowance="150"), flat(session, world)
    found = means.means_for(case, place, 30000)
    assert found.left_cents is None and found.below is None
    assert means.view(world.users["coordinator"], case, place, 30000) == means.MeansView(below=None, figures=found)
    shown = means.view(world.users["member"], case, place, 30000)
    assert shown == means.MeansView(below=False) and not shown.shown


def test_the_threshold_is_the_one_the_coordinator_set(session: Session, world: World) -> None:
    case, place = person(session, world, "1 168"), flat(session, world)
    assert means.threshold(session) == 30000
    set_threshold(session, 70000)
    assert means.threshold(session) == 70000
    found = means.means_for(case, place, means.threshold(session))
    assert found.below is True and found.threshold_cents == 70000
    # exactly at the threshold is not below it
    assert means.means_for(case, place, 67739).below is False
    assert means.means_for(case, place, 67740).below is True


def test_a_place_dearer_than_the_means_leaves_a_negative_amount(session: Session, world: World) -> None:
    case, place = person(session, world, "400"), flat(session, world)
    found = means.means_for(case, place, 30000)
    assert found.left_cents == 40000 - 49061 and found.below is True


def test_the_figures_go_to_those_the_policy_names_and_the_warning_alone_to_the_others(
    session: Session, world: World,
) -> None:
    case, place = person(session, world, "1 168"), flat(session, world)
    for login_name in ("coordinator", "chair", "care_a"):  # care_a: the person's own team
        shown = means.view(world.users[login_name], case, place, 70000)
        assert shown.figures is not None and shown.figures.left_cents == 67739, login_name
        assert shown.warns and shown.shown
    for login_name in ("member", "landlord_a", "landlord_b", "care_b", "treasurer", "dpo"):
        shown = means.view(world.users[login_name], case, place, 70000)
        assert shown == means.MeansView(below=True), login_name  # the warning, and nothing else
        assert means.view(world.users[login_name], case, place, 30000) == means.MeansView(below=False)


def test_the_means_of_a_file_with_a_place_allocated(session: Session, world: World) -> None:
    case, place = person(session, world, "1 168"), flat(session, world)
    assert means.for_case(session, world.users["care_a"], case) is None  # nothing allocated yet
    case.allocated_place = place
    shown = means.for_case(session, world.users["care_a"], case)
    assert shown is not None and shown.figures is not None and shown.figures.left_cents == 67739
    session.rollback()
