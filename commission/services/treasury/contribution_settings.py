"""What the council decides for a year's contributions: the rate, the contributors and the base of each.

The council's description of the scheme says the contribution "is paid by the hospital (EPSM) and the six towns in
proportion to their population, 0.40 per inhabitant". A year the coordinator has not set reads it as the fund always
has: 0,40 € per inhabitant, each member town on its own population, the hospital on the member towns' total. The
coordinator may set otherwise before the call (a rate, a population, a fixed amount, another partner); once any
contribution of the year is called, its settings no longer change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from commission import clock, policy
from commission.errors import ConcurrentChange, InvalidInput
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.contribution_settings import ContributionBase, ContributionSettings, ContributionShare
from commission.models.reference import Organisation, OrganisationKind, Town
from commission.models.treasury import Contribution
from commission.parsing import parse_euros, parse_whole
from commission.services import audit
from commission.services.treasury.ledger import MAX_CENTS, RATE_CENTS
from commission.services.unit import flush, locked, rollback

MAX_RATE_CENTS = 100_00  # a hundred euros per inhabitant: anything above is a typing mistake
MAX_POPULATION = 10_000_000

T = TypeVar("T")


@dataclass(frozen=True)
class Share:
    """One contributor of the year as the settings read: its base, and the amount it comes to."""

    key: str  # "town-<id>" or "organisation-<id>": the form's name for it
    name: str
    town_id: int | None
    organisation_id: int | None
    base: ContributionBase
    population_set: int | None  # the population the council set; None: the default
    population: int  # the population the amount is computed from (0 on a fixed base)
    fixed_cents: int | None
    amount_cents: int
    default_population: int  # a town's own population; an organisation's, the member towns' total

    @property
    def on_population(self) -> bool:
        return self.base is ContributionBase.POPULATION


@dataclass(frozen=True)
class YearSettings:
    year: int
    rate_cents: int
    shares: list[Share]
    towns_total: int  # the member towns' population: an organisation's default base
    version: int  # 0 while the year reads the defaults
    locked: bool  # a contribution of the year has been called
    candidates: list[tuple[int, str]]  # the partners that may be added as contributors

    @property
    def total_cents(self) -> int:
        return sum(share.amount_cents for share in self.shares)


@dataclass(frozen=True)
class ShareInput:
    key: str
    base: str
    population: str = ""
    amount: str = ""


@dataclass(frozen=True)
class SettingsInput:
    rate: str
    shares: Sequence[ShareInput]


# ---------------------------------------------------------------- reading


def _saved(session: Session, year: int) -> ContributionSettings | None:
    return session.execute(
        select(ContributionSettings).options(selectinload(ContributionSettings.shares))
        .where(ContributionSettings.year == year)).scalar_one_or_none()


def _called(session: Session, year: int) -> bool:
    return session.execute(select(Contribution.id).where(
        Contribution.year == year, Contribution.called_on.is_not(None)).limit(1)).first() is not None


def _share(key: str, name: str, town_id: int | None, organisation_id: int | None, base: ContributionBase,
           population_set: int | None, default_population: int, fixed_cents: int | None, rate_cents: int) -> Share:
    if base is ContributionBase.FIXED:
        return Share(key, name, town_id, organisation_id, base, None, 0, fixed_cents, fixed_cents or 0,
                     default_population)
    population = default_population if population_set is None else population_set
    return Share(key, name, town_id, organisation_id, base, population_set, population, None, population * rate_cents,
                 default_population)


def _read(session: Session, year: int) -> YearSettings:
    towns = list(session.execute(select(Town).order_by(Town.name)).scalars())
    total = sum(town.population for town in towns)
    organisations = {org.id: org for org in session.execute(select(Organisation).order_by(Organisation.name)).scalars()}
    saved = _saved(session, year)
    shares: list[Share] = []
    if saved is None:
        rate = RATE_CENTS
        shares = [_share(f"town-{town.id}", town.name, town.id, None, ContributionBase.POPULATION, None,
                         town.population, None, rate) for town in towns]
        hospital = next((org for org in sorted(organisations.values(), key=lambda org: org.id)
                         if org.kind is OrganisationKind.HOSPITAL and org.active), None)
        if hospital is not None:
            shares.append(_share(f"organisation-{hospital.id}", hospital.name, None, hospital.id,
                                 ContributionBase.POPULATION, None, total, None, rate))
    else:
        rate = saved.rate_cents
        by_town = {town.id: town for town in towns}
        for row in saved.shares:
            if row.town_id is not None:
                town = by_town[row.town_id]
                shares.append(_share(f"town-{town.id}", town.name, town.id, None, row.base, row.population,
                                     town.population, row.fixed_cents, rate))
            elif row.organisation_id is not None:
                org = organisations[row.organisation_id]
                shares.append(_share(f"organisation-{org.id}", org.name, None, org.id, row.base, row.population,
                                     total, row.fixed_cents, rate))
    present = {share.organisation_id for share in shares}
    candidates = [(org.id, org.name) for org in organisations.values() if org.active and org.id not in present]
    return YearSettings(year, rate, shares, total, saved.version if saved else 0, _called(session, year), candidates)


def year_settings(session: Session, actor: User, year: int) -> YearSettings:
    """The year's rate and contributors, as saved or as the defaults read the council's sentence."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    return _read(session, year)


def proposed_contributions(session: Session, year: int) -> list[Contribution]:
    """The year's contribution rows as the settings compute them (not added to the session)."""
    settings = _read(session, year)
    return [Contribution(year=year, town_id=share.town_id, organisation_id=share.organisation_id,
                         population=share.population,
                         rate_cents=settings.rate_cents if share.base is ContributionBase.POPULATION else 0,
                         amount_cents=share.amount_cents) for share in settings.shares]


# ---------------------------------------------------------------- setting


def _field(errors: dict[str, list[Message]], parse: Callable[[], T]) -> T | None:
    """Run a parser, keeping its messages with the others' (every field is checked, then nothing is saved)."""
    try:
        return parse()
    except InvalidInput as invalid:
        for name, messages in invalid.errors.items():
            errors.setdefault(name, []).extend(messages)
        return None


Parsed = tuple[int | None, int | None, ContributionBase, int | None, int | None]


def _parse_share(errors: dict[str, list[Message]], share: ShareInput, town_ids: set[int],
                 org_ids: set[int]) -> Parsed | None:
    kind, _, number = share.key.partition("-")
    ident = int(number) if number.isdigit() and len(number) < 10 else 0
    town_id = ident if kind == "town" and ident in town_ids else None
    org_id = ident if kind == "organisation" and ident in org_ids else None
    if town_id is None and org_id is None:
        errors.setdefault("", []).append(msg("Choose the contributor among the towns and the partners."))
        return None
    try:
        base = ContributionBase(share.base)
    except ValueError:
        errors.setdefault(f"base-{share.key}", []).append(msg("Choose the base of the contribution."))
        return None
    if base is ContributionBase.POPULATION:
        typed = "".join(share.population.split())  # "18 500", as the French write it
        population = _field(errors, lambda: parse_whole(typed, f"population-{share.key}",
                                                        maximum=MAX_POPULATION, required=False))
        return town_id, org_id, base, population, None
    fixed = _field(errors, lambda: parse_euros(share.amount, f"amount-{share.key}", allow_zero=True,
                                               maximum=MAX_CENTS, missing=msg("Give the fixed amount in euros.")))
    return town_id, org_id, base, None, fixed


def _parse(session: Session, data: SettingsInput) -> tuple[int, list[Parsed]]:
    errors: dict[str, list[Message]] = {}
    rate = _field(errors, lambda: parse_euros(data.rate, "rate", allow_zero=True, maximum=MAX_RATE_CENTS,
                                              missing=msg("Give the rate per inhabitant in euros.")))
    town_ids = set(session.execute(select(Town.id)).scalars())
    org_ids = set(session.execute(select(Organisation.id)).scalars())
    parsed: list[Parsed] = []
    keys = [share.key for share in data.shares]
    if len(set(keys)) != len(keys):
        errors.setdefault("", []).append(msg("A contributor is listed twice."))
    for share in data.shares:
        found = _parse_share(errors, share, town_ids, org_ids)
        if found is not None:
            parsed.append(found)
    if not data.shares:
        errors.setdefault("", []).append(msg("Keep at least one contributor."))
    if errors or rate is None:
        raise InvalidInput(errors)
    return rate, parsed


def _recompute(session: Session, year: int) -> None:
    """The year's contribution rows, if it is open, follow the settings (none is called: the settings are open)."""
    rows = list(session.execute(locked(select(Contribution).where(Contribution.year == year))).scalars())
    if not rows:
        return
    current = {(row.town_id, row.organisation_id): row for row in rows}
    for proposed in proposed_contributions(session, year):
        row = current.pop((proposed.town_id, proposed.organisation_id), None)
        if row is None:
            session.add(proposed)
        else:
            row.population, row.rate_cents = proposed.population, proposed.rate_cents
            row.amount_cents = proposed.amount_cents
    for gone in current.values():  # never called: no entry names it
        session.delete(gone)
    flush(session)


CHANGED_MEANWHILE = msg("The contribution settings changed meanwhile: reload the page to see them, then edit again.")


def set_year_settings(session: Session, actor: User, year: int, data: SettingsInput,
                      expected_version: int) -> YearSettings:
    """Save the year's rate and contributors (``expected_version``: the version the form was drawn from, 0 for the
    defaults), and recompute the year's contributions if it is open. Refused once a contribution is called."""
    policy.require(actor, policy.Action.SET_CONTRIBUTIONS)
    saved = session.execute(locked(select(ContributionSettings).where(ContributionSettings.year == year))
                            ).scalar_one_or_none()
    if (saved.version if saved else 0) != expected_version:
        raise ConcurrentChange(CHANGED_MEANWHILE)
    if _called(session, year):
        raise InvalidInput({"": [msg("A contribution of %(year)s has been called: its settings no longer change.",
                                     year=year)]})
    before = _read(session, year)
    rate, parsed = _parse(session, data)
    if saved is None:
        saved = ContributionSettings(year=year, rate_cents=rate, updated_by_id=actor.id, updated_at=clock.now())
        session.add(saved)
        try:
            flush(session)
        except IntegrityError as error:  # another editor saved the year's first settings at the same moment
            rollback(session)
            raise ConcurrentChange(CHANGED_MEANWHILE) from error
    else:
        saved.shares.clear()
        flush(session)  # the old shares go before the new ones take their places
        saved.rate_cents, saved.updated_by_id, saved.updated_at = rate, actor.id, clock.now()
    saved.shares.extend(ContributionShare(position=index, town_id=town_id, organisation_id=org_id, base=base,
                                          population=population, fixed_cents=fixed)
                        for index, (town_id, org_id, base, population, fixed) in enumerate(parsed))
    flush(session)
    after = _read(session, year)
    audit.record(session, actor, "contribution.settings_set", "contribution_settings", year, {
        "rate_cents": {"from": before.rate_cents, "to": after.rate_cents},
        "shares": [{"contributor": share.key, "base": share.base.value, "population": share.population_set,
                    "fixed_cents": share.fixed_cents} for share in after.shares],
        "total_cents": {"from": before.total_cents, "to": after.total_cents},
    })
    _recompute(session, year)
    return _read(session, year)
