"""The demo's integration API: the tokens the coordinator issued to the council's partners over the past year, and
the availability notices a landlord sent through the API, through the services as the coordinator and the API would.

A landlord's token (its places, its notices, the events), the hospital's bound to the hospital (the state of its care
teams' applications), the accountant's (the ledger), and the accountant's previous token, revoked when the new one
was issued; each used last a few days ago. Their secrets are not kept, nor printed: a token is shown once, to the
coordinator who issues it, so the demo's cannot be used (issue one on the page to try the API). The landlord
announced two of its places: one notice the coordinator confirmed weeks ago, one waiting for her.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commission import clock
from commission.models.accounts import User
from commission.models.housing import Place
from commission.models.integrations import IntegrationKind, IntegrationToken
from commission.models.reference import Organisation, OrganisationKind
from commission.policy.integrations import Scope
from commission.services.integrations import notices, tokens
from commission.services.unit import commit
from commission.typography import fix_spacing
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

COORDINATOR = "coordination"
LIFETIME_DAYS = 365


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clock.COUNCIL_ZONE)


def _issue(session: Session, coordinator: User, on: datetime, name: str, kind: IntegrationKind,
           organisation: Organisation | None, scopes: tuple[Scope, ...]) -> IntegrationToken:
    with clock.travel(on):
        issued = tokens.create(session, coordinator, name=fix_spacing(name), kind=kind.value,
                               organisation_id=organisation.id if organisation else None,
                               scopes=[scope.value for scope in scopes],
                               expires_on=(on.date() + timedelta(days=LIFETIME_DAYS)).isoformat())
    return issued.token  # its secret is dropped here: shown once, and never to anyone in the demo


def _used(session: Session, token: IntegrationToken, at: datetime) -> None:
    """The token's last request, as :func:`tokens.count_request` notes it (a plain update, not a change)."""
    session.execute(update(IntegrationToken).where(IntegrationToken.id == token.id)
                    .values(last_used_at=at).execution_options(synchronize_session=False))


def _places_of(session: Session, landlord: Organisation, tag: Tag) -> list[Place]:
    rows = session.scalars(select(Place).where(Place.organisation_id == landlord.id, Place.active)
                           .order_by(Place.reference))
    return [place for place in rows if PLACE_MACHINE.means(place.state, tag)]


def build_integrations(session: Session, rng: random.Random, users: dict[str, User], today: date) -> int:
    """The partners' tokens and a landlord's notices; returns how many tokens."""
    coordinator = users.get(COORDINATOR)
    landlord = session.scalars(select(Organisation).where(Organisation.kind == OrganisationKind.LANDLORD)
                               .order_by(Organisation.id)).first()
    hospital = session.scalars(select(Organisation).where(Organisation.kind == OrganisationKind.HOSPITAL)
                               .order_by(Organisation.id)).first()
    if coordinator is None or landlord is None or hospital is None:
        return 0

    def day(days_ago: int) -> date:
        return today - timedelta(days=days_ago)

    old = _issue(session, coordinator, _moment(day(400), 10, 15), "Ancien logiciel comptable du cabinet Lemaire",
                 IntegrationKind.ACCOUNTANT, None, (Scope.LEDGER_READ,))
    accountant = _issue(session, coordinator, _moment(day(300), 9, 40), "Logiciel comptable du cabinet Lemaire",
                        IntegrationKind.ACCOUNTANT, None, (Scope.LEDGER_READ,))
    with clock.travel(_moment(day(300), 9, 45)):  # the new one works: the old one is revoked
        tokens.revoke(session, coordinator, old.id)
    hospital_token = _issue(session, coordinator, _moment(day(210), 14, 0),
                            f"Dossier patient informatisé — {hospital.name}", IntegrationKind.HOSPITAL, hospital,
                            (Scope.APPLICATIONS_READ, Scope.EVENTS_READ))
    landlord_token = _issue(session, coordinator, _moment(day(180), 11, 30),
                            f"Extranet des logements — {landlord.name}", IntegrationKind.LANDLORD, landlord,
                            (Scope.PLACES_READ, Scope.PLACES_DECLARE, Scope.EVENTS_READ))
    _notices(session, rng, coordinator, landlord, landlord_token, today)
    _used(session, old, _moment(day(301), 7, 5))
    _used(session, accountant, _moment(day(6), 7, 5))
    _used(session, hospital_token, _moment(day(1), 6, 30))
    commit(session)
    return 4


def _notices(session: Session, rng: random.Random, coordinator: User, landlord: Organisation,
             token: IntegrationToken, today: date) -> None:
    """A notice the coordinator confirmed (a place that became vacant since), and one still waiting."""
    free = _places_of(session, landlord, Tag.FREE)
    vacated = _places_of(session, landlord, Tag.VACATED)
    leaving = vacated or _places_of(session, landlord, Tag.OCCUPIED)
    if free:
        place = free[0]
        since = place.vacant_since if place.vacant_since and place.vacant_since > today - timedelta(days=300) \
            else today - timedelta(days=30)
        sent = _moment(max(since - timedelta(days=rng.randint(12, 20)), today - timedelta(days=300)), 16, 20)
        with clock.travel(sent):
            notice = notices.declare(session, token, place.id, available_from=since.isoformat(), comment=fix_spacing(
                "Congé du locataire reçu : le logement sera libre après l'état des lieux de sortie."))
        with clock.travel(sent + timedelta(days=1, hours=-6)):
            notices.decide(session, coordinator, notice.id, confirm=True)
    if leaving:
        place = leaving[-1]
        sent = _moment(today - timedelta(days=2), 15, 10)
        comment = ("Travaux de remise en état en cours ; logement disponible à leur fin, visite possible sur "
                   "rendez-vous." if vacated else "Le locataire nous a donné son congé ; logement disponible "
                   "après l'état des lieux de sortie.")
        with clock.travel(sent):
            notices.declare(session, token, place.id,
                            available_from=(today + timedelta(days=rng.randint(15, 30))).isoformat(),
                            comment=fix_spacing(comment))
    _used(session, token, _moment(today - timedelta(days=2), 15, 10))
