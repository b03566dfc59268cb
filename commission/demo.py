"""Realistic demo data: the council's six towns, its 73 places, partners, care teams, people, accounts.

The stock and the accounts are set up on the software's first day, three years ago; the years since are
replayed (:mod:`commission.demo_history`): the commission's register taken over, then files, hearings,
tenancies, follow-up and money, through the services, or, where their checks are not the point, written in
bulk with the same records and audit entries (:mod:`commission.demo_bulk`). ``scale`` multiplies the synthetic
volume (the files, the people waiting); the stock stays the council's 73 places.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock, demo_directory, demo_integrations, demo_letters, demo_orientations, demo_subgroup
from commission.demo_history import DemoHistory
from commission.demo_minutes import MinutesPool
from commission.demo_phrases import STREETS, USUAL_REASONS
from commission.models.accounts import Role, User
from commission.models.housing import Place, PlaceKind
from commission.models.reference import CareTeam, Organisation, OrganisationKind, Town
from commission.models.tenancy import Agreement, Renewal
from commission.services import accounts, audit, hearings
from commission.services.unit import commit
from commission.storage import DocumentStore

DEMO_PASSWORD = "demo-commission"  # noqa: S105  (printed on purpose: these are demo accounts)

TOWNS = [
    ("Faches-Thumesnil", "59155", 18_000),
    ("Hellemmes", "59260", 18_500),
    ("Lesquin", "59810", 8_000),
    ("Lezennes", "59260", 3_300),
    ("Mons-en-Barœul", "59370", 21_500),
    ("Ronchin", "59790", 18_500),
]

LANDLORDS = ["Habitat Métropole Est", "Logis du Nord Social", "Foyer Lillois HLM"]
HOSTELS = [("Foyer Les Tilleuls", "Ronchin", 6), ("Résidence sociale Le Moulin", "Hellemmes", 4)]
RECEPTION_STRUCTURE = ("Structure d'accueil L'Escale", "Lesquin")
RESIDENCE = ("Résidence Les Peupliers", "Mons-en-Barœul")
CARE_TEAMS = [
    ("CMP Ronchin — équipe de secteur", "Ronchin"),
    ("CMP Mons-en-Barœul — équipe de secteur", "Mons-en-Barœul"),
    ("Équipe appartements associatifs", "Hellemmes"),
    ("Hôpital de jour Faches-Thumesnil", "Faches-Thumesnil"),
]
# Every host town has an elected official to chair its hearing.
OTHER_CHAIRS = [
    ("presidence.faches", "Sylvie Deschamps", "Faches-Thumesnil"),
    ("presidence.hellemmes", "Patrick Wattel", "Hellemmes"),
    ("presidence.lesquin", "Anne Vandamme", "Lesquin"),
    ("presidence.lezennes", "Didier Carlier", "Lezennes"),
]


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    login: str
    password: str
    name: str
    bound_to: str


@dataclass
class DemoResult:
    accounts: list[DemoAccount]
    towns: int
    places: int
    applicants: int


def _euros(value: float) -> int:
    return round(value * 100)


def _audit_created(session: Session, record: object, kind: str, label: str) -> None:
    audit.record(session, None, f"{kind}.created", kind, record.id, {"name": label},  # type: ignore[attr-defined]
                 actor_name="demo")


def build_demo(session: Session, store: DocumentStore, *, seed: int = 2026, scale: int = 1) -> DemoResult:
    # The council's stock and partners exist before the files replayed over the last three years.
    today = clock.today()
    with clock.travel(today - timedelta(days=365 * 3 + 30)):
        return _build(session, store, seed=seed, scale=scale, today=today)


def _build(session: Session, store: DocumentStore, *, seed: int, scale: int, today: date) -> DemoResult:
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)

    towns = {name: Town(name=name, postcode=code, population=pop) for name, code, pop in TOWNS}
    session.add_all(towns.values())
    session.flush()
    for town in towns.values():
        _audit_created(session, town, "town", town.name)

    def organisation(name: str, kind: OrganisationKind, town: str | None) -> Organisation:
        org = Organisation(
            name=name, kind=kind, town_id=towns[town].id if town else None,
            address=f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
            phone=fake.phone_number(), email=f"contact@{name.lower().split()[0]}.example.org",
        )
        session.add(org)
        session.flush()
        _audit_created(session, org, "organisation", name)
        return org

    landlords = [organisation(name, OrganisationKind.LANDLORD, None) for name in LANDLORDS]
    hospital = organisation("EPSM de l'agglomération lilloise", OrganisationKind.HOSPITAL, "Lesquin")
    organisation("Association d'usagers Le Pas de Côté", OrganisationKind.USER_ASSOCIATION, "Ronchin")
    organisation("UNAFAM — délégation du Nord", OrganisationKind.FAMILY_ASSOCIATION, None)
    guardianship = [
        organisation("Service mandataire ATINORD", OrganisationKind.GUARDIANSHIP_SERVICE, None),
        organisation("UDAF du Nord — service des majeurs protégés", OrganisationKind.GUARDIANSHIP_SERVICE, None),
    ]
    hostels = [(organisation(name, OrganisationKind.HOSTEL, town), town, count) for name, town, count in HOSTELS]
    structure = organisation(RECEPTION_STRUCTURE[0], OrganisationKind.RECEPTION_STRUCTURE, RECEPTION_STRUCTURE[1])
    residence = organisation(RESIDENCE[0], OrganisationKind.RESIDENCE, RESIDENCE[1])

    places: list[Place] = []

    def add_place(kind: PlaceKind, town: str, org: Organisation, address: str, rooms: int, surface: int | None,
                  rent: float, charges: float, deposit: float, floor: int = 0, accessible: bool = False) -> None:
        prefix = {"apartment": "APP", "hostel_place": "FOY", "transitional_place": "TRA", "residence_place": "RES"}
        reference = f"{prefix[kind.value]}-{sum(1 for p in places if p.kind is kind) + 1:03d}"
        place = Place(
            reference=reference, kind=kind, town_id=towns[town].id, address=address,
            organisation_id=org.id, rooms=rooms, surface_m2=surface, floor=floor, accessible=accessible,
            rent_cents=_euros(rent), charges_cents=_euros(charges), deposit_cents=_euros(deposit),
        )
        places.append(place)

    town_names = list(towns)
    for index in range(47):
        town_name = town_names[index % len(town_names)] if index < 42 else rng.choice(town_names)
        rooms = rng.choice([1, 1, 1, 2, 2, 3])
        surface = {1: rng.randint(26, 38), 2: rng.randint(40, 55), 3: rng.randint(58, 70)}[rooms]
        rent = round(surface * rng.uniform(5.6, 7.2), 2)
        floor = rng.choice([0, 0, 1, 2, 3, 4])
        add_place(
            PlaceKind.APARTMENT, town_name, landlords[index % len(landlords)],
            f"{rng.randint(1, 220)} {rng.choice(STREETS)}, appt {rng.randint(1, 40)}",
            rooms, surface, rent, round(rng.uniform(35, 90), 2), rent, floor, floor == 0 and rng.random() < 0.4,
        )
    for org, hostel_town, count in hostels:
        for _ in range(count):
            add_place(PlaceKind.HOSTEL_PLACE, hostel_town, org, org.address, 0, rng.randint(14, 20),
                      rng.uniform(380, 460), rng.uniform(20, 40), 350, rng.choice([0, 1]), True)
    for _ in range(4):
        add_place(PlaceKind.TRANSITIONAL_PLACE, RECEPTION_STRUCTURE[1], structure, structure.address, 1,
                  rng.randint(18, 24), 320, 25, 300)
    for number in range(12):
        add_place(PlaceKind.RESIDENCE_PLACE, RESIDENCE[1], residence, f"{residence.address}, studio {number + 1}",
                  1, rng.randint(22, 30), rng.uniform(340, 410), rng.uniform(30, 45), 400, number // 4,
                  number < 4)
    session.add_all(places)
    session.flush()
    for place in places:
        _audit_created(session, place, "place", place.reference)

    # One agreement (convention) per landlord and structure, signed over the years; some come up for
    # renewal in the coming months.
    for number, org in enumerate([*landlords, *(org for org, _town, _count in hostels), structure, residence]):
        signed = date(today.year - rng.randint(3, 6), rng.randint(1, 12), 1)
        # every third one comes up for renewal within six months; the others run for years yet
        end = today + timedelta(days=rng.randint(30, 170) if number % 3 == 0 else rng.randint(400, 1500))
        agreement = Agreement(
            organisation_id=org.id, reference=f"CONV-{signed.year}-{number + 1:02d}",
            title=f"Convention de partenariat avec {org.name}", start_date=signed, end_date=end,
            renewal=rng.choice([Renewal.TACIT, Renewal.EXPLICIT]), notice_months=3,
        )
        session.add(agreement)
        session.flush()
        _audit_created(session, agreement, "agreement", agreement.reference)
        for place in places:
            if place.organisation_id == org.id:
                place.agreement_id = agreement.id

    teams: list[CareTeam] = []
    for name, team_town in CARE_TEAMS:
        team = CareTeam(name=name, organisation_id=hospital.id, town_id=towns[team_town].id,
                        phone=fake.phone_number(), email=f"equipe{len(teams) + 1}@epsm.example.org")
        session.add(team)
        session.flush()
        _audit_created(session, team, "care_team", name)
        teams.append(team)

    commit(session)

    demo_accounts: list[DemoAccount] = []

    def account(role: Role, login: str, name: str, bound_to: str = "", **binding: int) -> None:
        accounts.create_user(session, None, accounts.UserInput(
            login=login, display_name=name, email=f"{login}@demo.example.org", role=role.value,
            password=DEMO_PASSWORD, care_team_id=binding.get("care_team_id"), town_id=binding.get("town_id"),
            organisation_id=binding.get("organisation_id"), title=demo_letters.TITLES.get(login, ""),
        ))
        demo_accounts.append(DemoAccount(role, login, DEMO_PASSWORD, name, bound_to))

    account(Role.COORDINATOR, "coordination", "Claire Dubois (coordinatrice)")
    account(Role.CARE_TEAM, "soignant.ronchin", "Karim Benali (infirmier)", teams[0].name, care_team_id=teams[0].id)
    account(Role.CARE_TEAM, "soignant.mons", "Sophie Lefebvre (assistante sociale)", teams[1].name,
            care_team_id=teams[1].id)
    account(Role.CHAIR, "presidence.ronchin", "Jean-Marc Delattre", "Ronchin",
            town_id=towns["Ronchin"].id)
    account(Role.CHAIR, "presidence.mons", "Nadia Haddad", "Mons-en-Barœul",
            town_id=towns["Mons-en-Barœul"].id)
    for login, name, town_name in OTHER_CHAIRS:
        account(Role.CHAIR, login, name, town_name, town_id=towns[town_name].id)
    account(Role.MEMBER, "membre.unafam", "Bernard Caron (UNAFAM)")
    account(Role.TREASURER, "tresorerie", "Martine Vasseur (trésorière)")
    account(Role.LANDLORD, "bailleur.hme", "Olivier Lambert (Habitat Métropole Est)", landlords[0].name,
            organisation_id=landlords[0].id)
    account(Role.DATA_PROTECTION, "protection.donnees", "Hélène Morel (déléguée à la protection des données)")
    # An elected official holds the council's signing delegation (she signs when the chair cannot).
    delegate = session.execute(select(User).where(User.login == "presidence.mons")).scalar_one()
    coordinator = session.execute(select(User).where(User.login == "coordination")).scalar_one()
    accounts.grant_signing_delegation(session, coordinator, delegate.id)
    # The housing sub-group: the coordinator, the elected official who holds the delegation, and the treasurer.
    for login in ("coordination", "presidence.mons", "tresorerie"):
        member = session.execute(select(User).where(User.login == login)).scalar_one()
        accounts.set_housing_subgroup(session, coordinator, member.id, True)
    users = {account.login: session.execute(select(User).where(User.login == account.login)).scalar_one()
             for account in demo_accounts}
    demo_letters.install_letterhead(session, users)
    for decision, reasons in USUAL_REASONS.items():
        for reason in reasons:
            hearings.add_usual_reason(session, coordinator, decision, reason)
    pool = MinutesPool(store)
    try:
        history = DemoHistory(session, rng, fake, teams=teams, towns=list(towns.values()), places=places,
                              guardianship=guardianship, users=users, today=today, store=store, scale=scale,
                              minutes=pool)
        applicants = history.build()
        pool.finish(session)
    finally:
        pool.close()
    demo_letters.settle_letters(session, coordinator, today)
    demo_letters.sign_commitments(session, rng, coordinator, delegate, {
        teams[0].id: users["soignant.ronchin"], teams[1].id: users["soignant.mons"]}, today)
    demo_subgroup.build_subgroup_year(session, rng, store, users, today)
    demo_directory.build_directory(session, coordinator, towns)
    demo_orientations.build_orientations(session, rng, users, today)
    demo_integrations.build_integrations(session, rng, users, today)
    return DemoResult(demo_accounts, len(towns), len(places), applicants)

