"""Years of the commission's life, replayed through the services with the clock moved day by day.

Each person's file starts on a random day of the last three years and follows a plausible story
(submitted, sometimes returned as incomplete, heard at the next quarterly hearing, then allocated,
put on the waiting list, deferred or refused; housed people stay a while, some leave) until today.
Every step is a real service call, so the files carry their whole history and audit trail.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock
from commission.errors import CommissionError
from commission.models.accounts import User
from commission.models.cases import HOLDING_STATES, Case
from commission.models.housing import Place, PlaceKind
from commission.models.reference import CareTeam, Organisation, Town
from commission.services import cases

HEARING_MONTHS = (3, 6, 9, 12)
YEARS_OF_HISTORY = 3

PROJECTS = [
    "Vivre seul·e dans un appartement, avec une visite infirmière hebdomadaire "
    "et l'hôpital de jour deux fois par semaine.",
    "Quitter l'hospitalisation au long cours : logement proche du CMP, accompagnement du SAVS, activités au GEM.",
    "Retrouver un logement après une période à la rue ; suivi renforcé les trois premiers mois, puis mensuel.",
    "Prendre son autonomie après des années chez les parents ; la famille reste présente, l'équipe soignante suit.",
    "Sortie de foyer vers un logement associatif ; reprise d'une activité en ESAT, consultations mensuelles.",
]
MISSING = ["Justificatif de ressources (notification AAH)", "Copie du jugement de curatelle",
           "Avis du psychiatre référent", "Pièce d'identité en cours de validité"]
AWAITED = ["Bilan de l'essai en appartement thérapeutique", "Accord de la curatrice sur le budget",
           "Stabilisation du traitement après l'hospitalisation"]
REFUSALS = ["Le projet de soin n'est pas encore construit avec la personne.",
            "La personne relève d'une structure médicalisée, orientation proposée vers une MAS."]
DECLINES = ["Logement trop éloigné de la famille", "Étage élevé sans ascenseur", "La personne a trouvé un logement"]
EXITS = ["Accès à un logement ordinaire (glissement de bail)", "Hospitalisation de longue durée",
         "Déménagement hors du secteur", "Entrée en EHPAD"]
WITHDRAWALS = ["La personne a trouvé une solution dans sa famille", "La personne ne souhaite plus déménager"]


def third_thursday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 14)


def hearing_dates(start: date, end: date) -> list[date]:
    return [third_thursday(year, month) for year in range(start.year, end.year + 1) for month in HEARING_MONTHS
            if start <= third_thursday(year, month) <= end]


class _Stop(Exception):
    """The story reached today."""


@dataclass
class DemoHistory:
    session: Session
    rng: random.Random
    fake: Faker
    teams: list[CareTeam]
    towns: list[Town]
    places: list[Place]
    guardianship: list[Organisation]
    users: dict[str, User]
    today: date

    def __post_init__(self) -> None:
        self.start = self.today - timedelta(days=365 * YEARS_OF_HISTORY)
        self.hearings = hearing_dates(self.start, self.today + timedelta(days=400))
        self.coordinator = self.users["coordination"]
        self.chair = next(user for user in self.users.values() if user.role.value == "chair")
        self.team_users = {user.care_team_id: user for user in self.users.values() if user.care_team_id}

    def build(self, count: int) -> int:
        days = sorted(self.start + timedelta(days=self.rng.randint(0, (self.today - self.start).days))
                      for _ in range(count))
        for created in days:
            self._replay(created, stop_at=None)
        present = Counter(self.session.execute(select(Case.state)).scalars())
        # Every state shows up at least once, so that each screen has something to show.
        for state, offset in (("heard", 0), ("allocated", 20), ("offer_accepted", 60), ("moving_in", 80),
                              ("exiting", 200), ("deferred", 120), ("incomplete", 40), ("ready", 30),
                              ("scheduled", 30), ("waiting_list", 150), ("draft", 5), ("submitted", 10),
                              ("refused", 150), ("withdrawn", 90), ("housed", 200), ("closed", 500)):
            if not present[state]:
                self._replay(self._recent(offset), stop_at=state)
        return int(self.session.execute(select(func.count(Case.id))).scalar_one())

    def _recent(self, days_before_last_hearing: int) -> date:
        """A creation day such that the file reaches the last hearing before today."""
        last = max(h for h in self.hearings if h <= self.today)
        return last - timedelta(days=days_before_last_hearing + 60)

    # ------------------------------------------------------------ one person's story

    def _person(self, team: CareTeam) -> cases.CaseInput:
        rng, fake = self.rng, self.fake
        measure = rng.choices(["none", "safeguard", "curatorship", "reinforced_curatorship", "guardianship"],
                              weights=[45, 5, 20, 20, 10])[0]
        kind = rng.choices([k.value for k in PlaceKind], weights=[70, 12, 8, 10])[0]
        towns = rng.sample(self.towns, rng.randint(1, 3))
        resources = rng.randint(650, 1450)
        return cases.CaseInput(
            first_name=fake.first_name(), last_name=fake.last_name(),
            birth_date=fake.date_of_birth(minimum_age=21, maximum_age=66).isoformat(),
            phone=fake.phone_number(), email=fake.email() if rng.random() < 0.4 else "",
            address=fake.street_address() + ", " + rng.choice(self.towns).name, protection_measure=measure,
            guardian_first_name=fake.first_name() if measure != "none" else "",
            guardian_last_name=fake.last_name() if measure != "none" else "",
            guardian_phone=fake.phone_number() if measure != "none" else "",
            housing_situation=rng.choice(["hospitalised", "with_family", "hostel", "homeless", "temporary"]),
            housing_details="", monthly_resources=f"{resources},{rng.randint(0, 99):02d}",
            resources_details=rng.choice(["AAH et APL", "Pension d'invalidité", "Salaire ESAT et AAH", "RSA"]),
            referring_psychiatrist=f"Dr {fake.last_name()}", referring_nurse=fake.name(),
            social_worker=fake.name(), requested_kind=kind, wished_town_ids=[str(t.id) for t in towns],
            needs_ground_floor=rng.random() < 0.15, needs_accessible=rng.random() < 0.05,
            project=rng.choice(PROJECTS), consent_given=True, consent_date="", care_team_id=str(team.id),
        )

    def _free_place(self, kind: str) -> Place | None:
        held = set(self.session.execute(
            select(Case.allocated_place_id).where(Case.state.in_(HOLDING_STATES),
                                                  Case.allocated_place_id.is_not(None))
        ).scalars())
        free = [place for place in self.places if place.kind.value == kind and place.id not in held]
        return self.rng.choice(free) if free else None

    def _next_hearing(self, after: date) -> date:
        return next(h for h in self.hearings if h > after)

    def _replay(self, created: date, stop_at: str | None) -> None:
        team = self.rng.choice(self.teams)
        care = self.team_users.get(team.id, self.coordinator)
        with clock.travel(created):
            case = cases.create_case(self.session, care, self._person(team), today=created)
        story = _Story(self, case, care, created, stop_at)
        with contextlib.suppress(_Stop):
            story.tell()


class _Story:
    """One file's path, each step on its day; it stops at today (or at the state asked for)."""

    def __init__(self, history: DemoHistory, case: Case, care: User, created: date, stop_at: str | None) -> None:
        self.history, self.case, self.care, self.day, self.stop_at = history, case, care, created, stop_at
        self.rng = history.rng

    def step(self, trigger: str, on: date, actor: User, **kwargs: Any) -> None:
        if self.case.state == self.stop_at:
            raise _Stop
        self.day = max(on, self.day)
        if self.day > self.history.today:
            raise _Stop
        with clock.travel(self.day):
            try:
                cases.fire_case(self.history.session, actor, self.case.id, trigger,
                                expected_version=self.case.version, today=self.day, **kwargs)
            except CommissionError:
                self.history.session.rollback()
                raise _Stop from None

    def later(self, low: int, high: int) -> date:
        return self.day + timedelta(days=self.rng.randint(low, high))

    def tell(self) -> None:
        rng, stop_at = self.rng, self.stop_at
        coordinator, chair, care = self.history.coordinator, self.history.chair, self.care
        if stop_at == "draft":
            return
        self.step("submit", self.later(3, 20), care)
        if stop_at == "withdrawn" or (stop_at is None and rng.random() < 0.06):
            self.step("withdraw", self.later(10, 60), care, reason=rng.choice(WITHDRAWALS))
            return
        if stop_at == "incomplete" or rng.random() < 0.3:
            self.step("return_incomplete", self.later(5, 15), coordinator, reason=rng.choice(MISSING))
            self.step("resubmit", self.later(7, 30), care, comment="Pièce ajoutée au dossier")
        self.step("mark_ready", self.later(3, 12), coordinator)
        outcome = rng.choices(["allocate", "waiting_list", "defer", "refuse"], weights=[55, 25, 12, 8])[0]
        outcome = {"deferred": "defer", "refused": "refuse", "waiting_list": "waiting_list",
                   "heard": "none"}.get(stop_at or "", outcome)
        for _hearing in range(4):
            hearing = self.history._next_hearing(self.day + timedelta(days=7))
            self.step("schedule", self.later(1, 5), coordinator, values={"hearing_date": hearing})
            self.step("hear", hearing, chair)
            if outcome == "none":
                return
            place = self.history._free_place(self.case.requested_kind.value if self.case.requested_kind else "")
            if outcome == "allocate" and place is not None:
                self.step("allocate", hearing, chair, values={"place_id": place.id},
                          reason="Le logement correspond au projet et aux besoins exprimés.")
                break
            if outcome == "refuse":
                self.step("refuse", hearing, chair, reason=rng.choice(REFUSALS))
                return
            if outcome == "defer":
                self.step("defer", hearing, chair, reason=rng.choice(AWAITED))
            else:
                self.step("place_on_waiting_list", hearing, chair,
                          reason="Avis favorable ; aucune place adaptée disponible pour le moment.")
            if self.case.state == stop_at:
                return
            outcome = "allocate"
        if self.case.state != "allocated":
            return
        if stop_at is None and rng.random() < 0.12:
            self.step("decline_offer", self.later(2, 8), care, reason=rng.choice(DECLINES))
            return
        self.step("accept_offer", self.later(2, 8), care)
        move_in = self.later(20, 40)
        self.step("start_move_in", self.later(3, 10), coordinator, values={"move_in_date": move_in})
        self.step("confirm_housed", move_in, coordinator)
        if stop_at is None and rng.random() < 0.6:
            return  # still housed today
        self.step("start_exit", self.later(200, 900) if stop_at is None else self.later(30, 60), care,
                  reason=rng.choice(EXITS))
        self.step("close", self.later(20, 45), coordinator)
