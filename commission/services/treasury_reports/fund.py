"""The fund's balances and its deposits: what is outstanding, by landlord, place and age, what is
overdue, and the list of deposits; with the label tables and the helpers the other reports share.

Plain data, computed by the database in a fixed number of queries (see the package's docstring).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission import labels as tables
from commission.i18n import N_
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.housing import Place
from commission.models.people import Applicant
from commission.models.reference import Organisation, OrganisationKind, Town
from commission.models.treasury import Account, Deposit
from commission.services.paging import PER_PAGE, Page, paginate_rows
from commission.services.sorting import Sort, in_machine_order, ordered
from commission.services.treasury import balances
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.tags import Tag

OVERDUE_AFTER_DAYS = 60  # a refund claimed longer ago than this, and not settled, is chased

# The words of the fund's pages, spreadsheets and documents: the shared label tables.
ACCOUNT_LABELS = tables.ACCOUNT_LABELS
ENTRY_KIND_LABELS = tables.ENTRY_KIND_LABELS
METHOD_LABELS = tables.METHOD_LABELS

# How long a deposit has been out, since it was paid: (key, label, from years, to years).
AGE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("0-1", N_("Less than a year"), 0, 1),
    ("1-3", N_("One to three years"), 1, 3),
    ("3+", N_("Three years or more"), 3, None),
)


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def case_reference(case_id: int, created_year: int) -> str:
    """As :attr:`commission.models.cases.Case.reference`, from columns rather than a loaded row."""
    return f"D-{created_year}-{case_id:05d}"


def _person(actor: User, first_name: str, last_name: str) -> str:
    # A landlord's representative reads the deposits on their places, not who the persons are.
    if policy.sees_tenant_names(actor):
        return f"{first_name} {last_name}"
    return f"{first_name[:1]}. {last_name[:1]}."


# ---------------------------------------------------------------- balances


@dataclass(frozen=True)
class AccountBalance:
    account: Account
    label: str  # a message id: translate it where the reader's language is known
    cents: int  # debit minus credit


@dataclass(frozen=True)
class Balances:
    until: date | None
    accounts: list[AccountBalance]

    @property
    def fund_cents(self) -> int:
        """The fund's balance: what is in the bank account."""
        return self.of(Account.BANK)

    def of(self, account: Account) -> int:
        return next(row.cents for row in self.accounts if row.account is account)


def account_balances(session: Session, actor: User, *, until: date | None = None) -> Balances:
    """Every account's balance (debit minus credit) from the ledger; one query."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    totals = balances(session, until=until)
    return Balances(until, [AccountBalance(account, ACCOUNT_LABELS[account], totals[account]) for account in Account])


# ---------------------------------------------------------------- deposits outstanding


@dataclass(frozen=True)
class OutstandingGroup:
    key: str  # the landlord's or place's id, or the age band
    label: str  # a name, a place reference, or (for an age band) a message id
    count: int
    cents: int
    detail: str = ""  # for a place: its town


@dataclass(frozen=True)
class OverdueRefund:
    deposit_id: int
    case_reference: str
    person: str
    place: str
    landlord: str
    cents: int
    claimed_on: date
    days: int


@dataclass(frozen=True)
class Overview:
    today: date
    balances: Balances
    outstanding_count: int
    outstanding_cents: int
    by_landlord: list[OutstandingGroup]
    by_place: list[OutstandingGroup]
    by_age: list[OutstandingGroup]
    overdue: list[OverdueRefund]

    @property
    def overdue_cents(self) -> int:
        return sum(row.cents for row in self.overdue)


def _outstanding(actor: User) -> ColumnElement[bool]:
    return and_(Deposit.state.in_(DEPOSIT_MACHINE.tagged(Tag.OUTSTANDING)), policy.deposit_scope(actor))


def outstanding_by_landlord(session: Session, actor: User) -> list[OutstandingGroup]:
    policy.require(actor, policy.Action.VIEW_DEPOSITS)
    rows = session.execute(
        select(Organisation.id, Organisation.name, func.count(Deposit.id), func.sum(Deposit.amount_cents))
        .join(Organisation, Organisation.id == Deposit.landlord_id)
        .where(_outstanding(actor))
        .group_by(Organisation.id, Organisation.name).order_by(Organisation.name)
    ).all()
    return [OutstandingGroup(str(key), name, count, int(total or 0)) for key, name, count, total in rows]


def outstanding_by_place(session: Session, actor: User) -> list[OutstandingGroup]:
    policy.require(actor, policy.Action.VIEW_DEPOSITS)
    rows = session.execute(
        select(Place.id, Place.reference, Town.name, func.count(Deposit.id), func.sum(Deposit.amount_cents))
        .join(Place, Place.id == Deposit.place_id).join(Town, Town.id == Place.town_id)
        .where(_outstanding(actor))
        .group_by(Place.id, Place.reference, Town.name).order_by(Place.reference)
    ).all()
    return [OutstandingGroup(str(key), reference, count, int(total or 0), town)
            for key, reference, town, count, total in rows]


def outstanding_by_age(session: Session, actor: User, today: date) -> list[OutstandingGroup]:
    """The deposits outstanding by how long ago they were paid: each band, even an empty one."""
    policy.require(actor, policy.Action.VIEW_DEPOSITS)
    one_year, three_years = years_before(today, 1), years_before(today, 3)
    band = case(
        (Deposit.paid_on > one_year, literal("0-1")),
        (Deposit.paid_on > three_years, literal("1-3")),
        else_=literal("3+"),
    )
    rows = session.execute(
        select(band, func.count(Deposit.id), func.sum(Deposit.amount_cents))
        .where(_outstanding(actor)).group_by(band)
    ).all()
    found = {key: (count, int(total or 0)) for key, count, total in rows}
    return [OutstandingGroup(key, label, *found.get(key, (0, 0))) for key, label, _from, _to in AGE_BANDS]


def overdue_refunds(session: Session, actor: User, today: date, days: int = OVERDUE_AFTER_DAYS
                    ) -> list[OverdueRefund]:
    """Refunds claimed more than ``days`` days ago and still not settled, the oldest first."""
    policy.require(actor, policy.Action.VIEW_DEPOSITS)
    limit = today - timedelta(days=days)
    rows = session.execute(
        select(Deposit.id, Case.id, Case.created_at, Applicant.first_name, Applicant.last_name, Place.reference,
               Organisation.name, Deposit.amount_cents, Deposit.refund_claimed_on)
        .join(Case, Case.id == Deposit.case_id).join(Applicant, Applicant.id == Case.applicant_id)
        .join(Place, Place.id == Deposit.place_id).join(Organisation, Organisation.id == Deposit.landlord_id)
        .where(Deposit.state.in_(DEPOSIT_MACHINE.tagged(Tag.AWAITING_REFUND)), Deposit.refund_claimed_on < limit,
               policy.deposit_scope(actor))
        .order_by(Deposit.refund_claimed_on, Deposit.id)
    ).all()
    found = []
    for deposit_id, case_id, created, first, last, place, landlord, cents, claimed in rows:
        assert claimed is not None  # the query asked for a claim date
        found.append(OverdueRefund(deposit_id, case_reference(case_id, created.year), _person(actor, first, last),
                                   place, landlord, cents, claimed, (today - claimed).days))
    return found


def overview(session: Session, actor: User, today: date | None = None) -> Overview:
    """The treasurer's first page: the balances, what is owed back and by whom, what is late."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    today = today or clock.today()
    if not policy.can(actor, policy.Action.VIEW_DEPOSITS):
        # A member of the housing sub-group reads the fund's balances; the deposits are the treasurer's records.
        return Overview(today=today, balances=account_balances(session, actor), outstanding_count=0,
                        outstanding_cents=0, by_landlord=[], by_place=[], by_age=[], overdue=[])
    by_landlord = outstanding_by_landlord(session, actor)
    return Overview(
        today=today,
        balances=account_balances(session, actor),
        outstanding_count=sum(group.count for group in by_landlord),
        outstanding_cents=sum(group.cents for group in by_landlord),
        by_landlord=by_landlord,
        by_place=outstanding_by_place(session, actor),
        by_age=outstanding_by_age(session, actor, today),
        overdue=overdue_refunds(session, actor, today),
    )


# ---------------------------------------------------------------- the list of deposits


@dataclass(frozen=True)
class DepositRow:
    id: int
    case_reference: str
    person: str
    place: str
    address: str
    town: str
    landlord: str
    cents: int
    state: str
    committed_on: date | None
    paid_on: date | None
    refund_claimed_on: date | None
    settled_on: date | None
    refunded_cents: int
    retained_cents: int


@dataclass(frozen=True)
class DepositFilter:
    state: str | None = None
    landlord_id: int | None = None


# The keys the list of deposits may be sorted by.
DEPOSIT_SORTS = {
    "deposit": (Deposit.id,),
    "place": (Place.reference,),
    "landlord": (Organisation.name,),
    "person": (Applicant.last_name, Applicant.first_name),
    "amount": (Deposit.amount_cents,),
    "state": (in_machine_order(Deposit.state, DEPOSIT_MACHINE.states),),
    "paid": (Deposit.paid_on,),
    "claimed": (Deposit.refund_claimed_on,),
}


def list_deposits(session: Session, actor: User, deposit_filter: DepositFilter | None = None, *, page: int = 1,
                  per_page: int = PER_PAGE, sort: Sort | None = None) -> Page[DepositRow]:
    """One page of the deposits the actor may see (a landlord: their own), newest first unless sorted; two
    queries."""
    policy.require(actor, policy.Action.VIEW_DEPOSITS)
    deposit_filter = deposit_filter or DepositFilter()
    conditions = [policy.deposit_scope(actor)]
    if deposit_filter.state:
        conditions.append(Deposit.state == deposit_filter.state)
    if deposit_filter.landlord_id is not None:
        conditions.append(Deposit.landlord_id == deposit_filter.landlord_id)
    query = (
        select(Deposit.id, Case.id, Case.created_at, Applicant.first_name, Applicant.last_name, Place.reference,
               Place.address, Town.name, Organisation.name, Deposit.amount_cents, Deposit.state,
               Deposit.committed_on, Deposit.paid_on, Deposit.refund_claimed_on, Deposit.settled_on,
               Deposit.refunded_cents, Deposit.retained_cents)
        .join(Case, Case.id == Deposit.case_id).join(Applicant, Applicant.id == Case.applicant_id)
        .join(Place, Place.id == Deposit.place_id).join(Town, Town.id == Place.town_id)
        .join(Organisation, Organisation.id == Deposit.landlord_id)
        .where(and_(*conditions))
    )
    query = ordered(query, DEPOSIT_SORTS, sort or Sort(), default=(Deposit.id.desc(),), tiebreak=Deposit.id.desc())
    rows = paginate_rows(session, query, page, per_page)
    items = [
        DepositRow(deposit_id, case_reference(case_id, created.year), _person(actor, first, last), place, address,
                   town, landlord, cents, state, committed, paid, claimed, settled, refunded, retained)
        for (deposit_id, case_id, created, first, last, place, address, town, landlord, cents, state, committed,
             paid, claimed, settled, refunded, retained) in rows
    ]
    return Page(items, rows.total, rows.page, rows.pages)


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


def landlords(session: Session, actor: User) -> list[Choice]:
    """The landlords a deposit list may be filtered by (none for a landlord's representative)."""
    if not policy.can(actor, policy.Action.VIEW_TREASURY):
        return []
    rows = session.execute(select(Organisation.id, Organisation.name)
                           .where(Organisation.kind == OrganisationKind.LANDLORD).order_by(Organisation.name)).all()
    return [Choice(key, name) for key, name in rows]
