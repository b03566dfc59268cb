"""The search for new partners (issue 21): a prospect followed from the first contact to the signed agreement, each
step dated with its note and next action; the signing creates the partner and the agreement, whose places are then
the ones the prospect brought; the sub-group takes the steps, the coordinator signs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.errors import ConcurrentChange, Forbidden, InvalidInput, TransitionRefused
from commission.models import (
    Agreement,
    AuditEntry,
    Organisation,
    Place,
    PlaceKind,
    Prospect,
    ProspectTransition,
    User,
)
from commission.services import accounts, stock
from commission.services.subgroup import prospects
from commission.services.unit import unit_of_work
from commission.workflow.machines import means
from commission.workflow.tags import Tag
from tests.conftest import World

TODAY = date(2026, 5, 4)


def unit(session: Session, call, *args, **kwargs):  # type: ignore[no-untyped-def]
    """A service call as one unit of work, as a request would make it: committed, or rolled back when refused."""
    with unit_of_work(session):
        return call(session, *args, **kwargs)


def new_prospect(session: Session, actor: User, **overrides: str) -> Prospect:
    data = prospects.ProspectInput(name="Résidence Les Tilleuls", kind="residence", contact_name="Mme Leroy",
                                   contact_role="Directrice", places_announced="4", place_kind="residence_place",
                                   next_action="Appeler la directrice", next_action_due="2026-05-10")
    for name, value in overrides.items():
        setattr(data, name, value)
    return unit(session, prospects.create_prospect, actor, data)


def step(session: Session, actor: User, prospect: Prospect, trigger: str, on: date = TODAY, **kwargs: str) -> Prospect:
    return unit(session, prospects.take_step, actor, prospect.id, trigger, on=on.isoformat(),
                expected_version=prospect.version, today=TODAY, **kwargs)


def signing(**overrides: str) -> prospects.SignInput:
    data = prospects.SignInput(reference="CONV-TIL-2026", title="Convention Les Tilleuls", start_date="2026-06-01",
                               end_date="2029-05-31", renewal="tacit", notice_months="3", signed_on="2026-05-04",
                               note="Signée en mairie")
    for name, value in overrides.items():
        setattr(data, name, value)
    return data


def seat(session: Session, world: World, login: str) -> User:
    unit(session, accounts.set_housing_subgroup, world.users["coordinator"], world.users[login].id, True)
    return world.users[login]


def counts(session: Session) -> tuple[int, ...]:
    return tuple(session.execute(select(func.count()).select_from(model)).scalar_one()
                 for model in (Organisation, Agreement, ProspectTransition, AuditEntry))


def test_a_prospect_followed_to_its_signed_agreement_brings_its_places(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    prospect = new_prospect(session, coordinator)
    assert prospect.state == "contacted" and prospect.follower_id == coordinator.id
    step(session, coordinator, prospect, "meet", TODAY - timedelta(days=20), note="Visite de la résidence",
         next_action="Envoyer la proposition", next_action_due="2026-04-30")
    assert prospect.next_action == "Envoyer la proposition" and prospect.next_action_due == date(2026, 4, 30)
    step(session, coordinator, prospect, "propose", TODAY - timedelta(days=10), note="Proposition envoyée")
    assert prospect.next_action == "" and prospect.next_action_due is None
    step(session, coordinator, prospect, "draft", TODAY - timedelta(days=2), note="Projet relu")
    assert means(prospect, Tag.SIGNABLE)

    unit(session, prospects.sign_prospect, coordinator, prospect.id, signing(), prospect.version, today=TODAY)
    assert means(prospect, Tag.CONCLUDED)
    partner = session.get(Organisation, prospect.organisation_id)
    agreement = session.get(Agreement, prospect.agreement_id)
    assert partner is not None and partner.name == "Résidence Les Tilleuls" and partner.kind.value == "residence"
    assert agreement is not None and agreement.organisation_id == partner.id and agreement.reference == "CONV-TIL-2026"

    view = prospects.prospect_view(session, coordinator, prospect.id)
    assert [(row.trigger, row.on) for row in view.steps] == [
        ("sign", TODAY), ("draft", TODAY - timedelta(days=2)), ("propose", TODAY - timedelta(days=10)),
        ("meet", TODAY - timedelta(days=20))]
    assert view.steps[-1].note == "Visite de la résidence" and view.steps[-1].next_action == "Envoyer la proposition"
    assert view.places == [] and view.places_missing == 4 and view.offered == [] and not view.may_sign

    unit(session, stock.create_place, coordinator, stock.PlaceInput(
        reference="TIL-01", kind=PlaceKind.RESIDENCE_PLACE.value, town_id=str(world.towns["Ronchin"].id),
        address="3 rue des Tilleuls", organisation_id=str(partner.id), agreement_id=str(agreement.id), rooms="1",
        surface_m2="20", floor="0", rent="300,00", charges="50,00", deposit="300,00"), today=TODAY)
    view = prospects.prospect_view(session, coordinator, prospect.id)
    assert [place.reference for place in view.places] == ["TIL-01"] and view.places_missing == 3
    assert session.execute(select(func.count()).select_from(Place)
                           .where(Place.agreement_id == agreement.id)).scalar_one() == 1
    actions = set(session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "prospect")).scalars())
    assert {"prospect.created", "prospect.meet", "prospect.propose", "prospect.draft", "prospect.sign"} <= actions


def test_a_prospect_with_a_partner_already_signs_without_a_new_one(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    prospect = new_prospect(session, coordinator, name="Habitat A bis", kind="landlord",
                            organisation_id=str(world.landlord_a.id))
    step(session, coordinator, prospect, "propose")
    step(session, coordinator, prospect, "draft")
    partners = session.execute(select(func.count()).select_from(Organisation)).scalar_one()
    unit(session, prospects.sign_prospect, coordinator, prospect.id, signing(), prospect.version, today=TODAY)
    assert prospect.organisation_id == world.landlord_a.id
    assert session.execute(select(func.count()).select_from(Organisation)).scalar_one() == partners


def test_steps_are_dated_never_in_the_future_and_abandoning_needs_a_reason(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    prospect = new_prospect(session, coordinator)
    with pytest.raises(InvalidInput) as refused:
        step(session, coordinator, prospect, "meet", TODAY + timedelta(days=1))
    assert "on" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        step(session, coordinator, prospect, "abandon")
    assert "note" in refused.value.errors
    with pytest.raises(TransitionRefused):
        step(session, coordinator, prospect, "draft")  # a proposal comes first
    session.refresh(prospect)
    assert prospect.state == "contacted"
    step(session, coordinator, prospect, "abandon", note="Pas de places avant 2028")
    assert means(prospect, Tag.GIVEN_UP) and not means(prospect, Tag.PURSUED)
    step(session, coordinator, prospect, "resume", note="Nouvelle direction")
    assert prospect.state == "contacted"


def test_a_seated_member_takes_the_steps_but_only_the_coordinator_signs(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    prospect = new_prospect(session, coordinator)
    with pytest.raises(Forbidden):  # not seated in the sub-group
        step(session, world.users["member"], prospect, "meet")
    with pytest.raises(Forbidden):
        new_prospect(session, world.users["treasurer"])
    with pytest.raises(Forbidden):
        prospects.list_prospects(session, world.users["chair"])
    member = seat(session, world, "member")
    step(session, member, prospect, "propose")
    step(session, member, prospect, "draft")
    view = prospects.prospect_view(session, member, prospect.id)
    assert [s.trigger for s in view.offered] == ["abandon"] and not view.may_sign
    with pytest.raises(Forbidden):
        unit(session, prospects.sign_prospect, member, prospect.id, signing(), prospect.version, today=TODAY)
    assert prospects.prospect_view(session, coordinator, prospect.id).may_sign
    summary = prospects.prospects_in_progress(session, member, TODAY)
    assert dict(summary.counts)["drafted"] == 1


def test_a_stale_version_is_a_concurrent_change(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    prospect = new_prospect(session, coordinator)
    seen = prospect.version
    step(session, coordinator, prospect, "meet")
    with pytest.raises(ConcurrentChange):
        unit(session, prospects.take_step, coordinator, prospect.id, "propose", on=TODAY.isoformat(),
             expected_version=seen, today=TODAY)
    with pytest.raises(ConcurrentChange):
        unit(session, prospects.update_prospect, coordinator, prospect.id, prospects.ProspectInput(
            name="Autre nom", kind="residence"), seen)


def test_a_refused_signing_writes_nothing(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    unit(session, stock.create_agreement, coordinator, stock.AgreementInput(
        organisation_id=str(world.landlord_b.id), reference="CONV-TIL-2026", title="Déjà prise",
        start_date="2024-01-01", end_date="2027-01-01", renewal="explicit", notice_months="3"))
    prospect = new_prospect(session, coordinator)
    step(session, coordinator, prospect, "propose")
    step(session, coordinator, prospect, "draft")
    before = counts(session)
    with pytest.raises(InvalidInput) as refused:
        unit(session, prospects.sign_prospect, coordinator, prospect.id, signing(), prospect.version, today=TODAY)
    assert "reference" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        unit(session, prospects.sign_prospect, coordinator, prospect.id,
             signing(reference="CONV-NEW", signed_on=(TODAY + timedelta(days=1)).isoformat()), prospect.version,
             today=TODAY)
    assert "signed_on" in refused.value.errors
    # A partner of that name exists already: the prospect must name it rather than create a second one.
    unit(session, prospects.update_prospect, coordinator, prospect.id, prospects.ProspectInput(
        name="Habitat A", kind="landlord"), prospect.version)
    middle = counts(session)
    with pytest.raises(InvalidInput) as refused:
        unit(session, prospects.sign_prospect, coordinator, prospect.id, signing(reference="CONV-NEW"),
             prospect.version, today=TODAY)
    assert "" in refused.value.errors
    session.expire_all()
    assert counts(session)[:3] == before[:3] and counts(session) == middle
    assert session.get(Prospect, prospect.id).state == "drafted"  # type: ignore[union-attr]


def test_the_list_puts_open_prospects_first_by_next_action(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    later = new_prospect(session, coordinator, name="B", next_action_due="2026-06-01")
    sooner = new_prospect(session, coordinator, name="C", next_action_due="2026-05-01")
    dropped = new_prospect(session, coordinator, name="A", next_action_due="2026-04-01")
    step(session, coordinator, dropped, "abandon", note="Aucune place", next_action_due="2026-04-01")
    assert [p.name for p in prospects.list_prospects(session, coordinator)] == ["C", "B", "A"]
    summary = prospects.prospects_in_progress(session, coordinator, TODAY)
    assert [(row.prospect.name, row.overdue) for row in summary.due] == [("C", True)]
    assert dict(summary.counts) == {"contacted": 2, "met": 0, "proposal": 0, "drafted": 0}
    assert later.state == sooner.state == "contacted"
