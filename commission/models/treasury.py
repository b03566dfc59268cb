"""The council's fund: deposits, yearly contributions, and the double-entry ledger that accounts for them.

Money is integer cents. Ledger entries are never edited nor deleted: a mistake is corrected by a new
entry that reverses it. Balances are always derived from the entries, never stored apart.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.housing import Place
from commission.models.reference import Organisation, Town
from commission.models.steps import StepRecord
from commission.models.types import str_enum


class Account(enum.Enum):
    """The fund's chart of accounts (a small subset of the French plan comptable)."""

    BANK = "512"  # the fund's bank account
    DEPOSITS_RECEIVABLE = "275"  # deposits paid to landlords, owed back at the exit
    CONTRIBUTIONS_RECEIVABLE = "4411"  # contributions called, not yet received
    CONTRIBUTIONS = "7474"  # yearly contributions of the towns and the hospital
    RETENTIONS = "6718"  # deposit retained by a landlord for damages
    WRITE_OFFS = "654"  # deposits written off as lost
    OTHER_EXPENSES = "628"  # other expenses of the scheme
    # Balances brought forward (« report à nouveau »): the counterpart of what the fund held before its books were
    # kept here, such as deposits paid to landlords on paper, owed back, brought in by an import.
    BROUGHT_FORWARD = "110"


class EntryKind(enum.Enum):
    CONTRIBUTION_CALLED = "contribution_called"
    CONTRIBUTION_RECEIVED = "contribution_received"
    DEPOSIT_PAID = "deposit_paid"
    REFUND_RECEIVED = "refund_received"
    RETENTION = "retention"
    WRITE_OFF = "write_off"
    EXPENSE = "expense"
    CORRECTION = "correction"
    # What the fund was owed when its books opened here (a deposit paid before, imported): 275 against 110.
    OPENING_BALANCE = "opening_balance"


class PaymentMethod(enum.Enum):
    TRANSFER = "transfer"
    CHEQUE = "cheque"
    OTHER = "other"


class Deposit(Base):
    """The rental deposit the council pays a landlord for one person's place, until it comes back."""

    __tablename__ = "deposit"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("refunded_cents >= 0 AND retained_cents >= 0", name="returns_not_negative"),
        CheckConstraint("refunded_cents + retained_cents <= amount_cents", name="returns_within_amount"),
        # one deposit per file and place: the allocation commits it once
        UniqueConstraint("case_id", "place_id", name="uq_deposit_case_place"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id"), index=True)
    landlord_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    amount_cents: Mapped[int]
    state: Mapped[str] = mapped_column(String(32), index=True, doc="The deposit machine's state.")
    version: Mapped[int] = mapped_column(default=1)
    committed_on: Mapped[date | None]
    paid_on: Mapped[date | None]
    refund_claimed_on: Mapped[date | None]
    settled_on: Mapped[date | None] = mapped_column(doc="Refunded, retained or written off.")
    refunded_cents: Mapped[int] = mapped_column(default=0)
    retained_cents: Mapped[int] = mapped_column(default=0)
    retention_reason: Mapped[str] = mapped_column(Text, default="")
    write_off_treasurer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    write_off_treasurer_at: Mapped[datetime | None]
    write_off_coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    write_off_coordinator_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()
    place: Mapped[Place] = relationship()
    landlord: Mapped[Organisation] = relationship()

    __mapper_args__ = {"version_id_col": version}


class DepositTransition(StepRecord, Base):
    __tablename__ = "deposit_transition"
    __table_args__ = (UniqueConstraint("deposit_id", "deposit_version", name="uq_deposit_transition_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deposit_id: Mapped[int] = mapped_column(ForeignKey("deposit.id"), index=True)
    deposit_version: Mapped[int]


class Contribution(Base):
    """What a town or the hospital owes the fund for a year (0.40 EUR per inhabitant by default)."""

    __tablename__ = "contribution"
    __table_args__ = (
        UniqueConstraint("year", "town_id", name="uq_contribution_year_town"),
        UniqueConstraint("year", "organisation_id", name="uq_contribution_year_organisation"),
        CheckConstraint("(town_id IS NULL) <> (organisation_id IS NULL)", name="one_contributor"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    population: Mapped[int] = mapped_column(doc="The population the amount was computed from.")
    rate_cents: Mapped[int] = mapped_column(doc="Cents per inhabitant.")
    amount_cents: Mapped[int] = mapped_column(doc="Population times rate, editable before it is called.")
    called_on: Mapped[date | None]
    received_on: Mapped[date | None]

    town: Mapped[Town | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def contributor(self) -> str:
        return self.town.name if self.town else self.organisation.name if self.organisation else "—"


class LedgerEntry(Base):
    """One balanced journal entry: its lines' debits equal its credits. Never edited, never deleted."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        # A deposit is paid once, refunded once, retained once, written off once: the database refuses more.
        Index("uq_ledger_entry_deposit_kind", "deposit_id", "kind", unique=True,
              sqlite_where=text("deposit_id IS NOT NULL AND kind <> 'correction'"),
              postgresql_where=text("deposit_id IS NOT NULL AND kind <> 'correction'")),
        Index("uq_ledger_entry_contribution_kind", "contribution_id", "kind", unique=True,
              sqlite_where=text("contribution_id IS NOT NULL AND kind <> 'correction'"),
              postgresql_where=text("contribution_id IS NOT NULL AND kind <> 'correction'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, "entry_kind"))
    value_date: Mapped[date] = mapped_column(index=True, doc="The day the money moved (or was called).")
    label: Mapped[str] = mapped_column(String(300))
    method: Mapped[PaymentMethod | None] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    reference: Mapped[str] = mapped_column(String(100), default="", doc="Transfer or cheque reference.")
    deposit_id: Mapped[int | None] = mapped_column(ForeignKey("deposit.id"), index=True)
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contribution.id"))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"), doc="The entry it reverses.")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    posted_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[LedgerLine]] = relationship(back_populates="entry", order_by="LedgerLine.id")
    actor: Mapped[User | None] = relationship()


class LedgerLine(Base):
    __tablename__ = "ledger_line"
    __table_args__ = (
        CheckConstraint("debit_cents >= 0 AND credit_cents >= 0", name="amounts_not_negative"),
        CheckConstraint("(debit_cents = 0) <> (credit_cents = 0)", name="debit_or_credit"),
        Index("ix_ledger_line_account", "account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entry.id"), index=True)
    account: Mapped[Account] = mapped_column(str_enum(Account, "ledger_account"))
    debit_cents: Mapped[int] = mapped_column(default=0)
    credit_cents: Mapped[int] = mapped_column(default=0)

    entry: Mapped[LedgerEntry] = relationship(back_populates="lines")


class LedgerIsAppendOnly(Exception):
    """Raised by the ORM itself if anything tries to change or delete a posted ledger row."""


def _refuse(_mapper: Mapper[object], _connection: Connection, target: object) -> None:
    raise LedgerIsAppendOnly(f"{type(target).__name__} rows are never changed: post a correcting entry")


for _model in (LedgerEntry, LedgerLine):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)
