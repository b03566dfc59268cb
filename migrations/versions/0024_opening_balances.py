"""opening balances: deposits paid before the books were kept here, brought in by an import (275 against 110)

The ledger's entries gain the kind ``opening_balance`` and its lines the account 110 (balances brought forward,
« report à nouveau »): both are VARCHAR columns with a CHECK constraint of their values.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 02:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ('contribution_called', 'contribution_received', 'deposit_paid', 'refund_received', 'retention', 'write_off',
         'expense', 'correction')
ACCOUNTS = ('512', '275', '4411', '7474', '6718', '654', '628')


def _kind(*extra: str) -> sa.Enum:
    return sa.Enum(*KINDS, *extra, name='entry_kind', native_enum=False, create_constraint=True, length=32)


def _account(*extra: str) -> sa.Enum:
    return sa.Enum(*ACCOUNTS, *extra, name='ledger_account', native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_constraint('entry_kind', type_='check')
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(32), type_=_kind('opening_balance'),
                              existing_nullable=False)
    with op.batch_alter_table('ledger_line', schema=None) as batch_op:
        batch_op.drop_constraint('ledger_account', type_='check')
    with op.batch_alter_table('ledger_line', schema=None) as batch_op:
        batch_op.alter_column('account', existing_type=sa.String(32), type_=_account('110'), existing_nullable=False)


def downgrade() -> None:
    # the opening balances go with their kind: their lines first
    op.execute("DELETE FROM ledger_line WHERE entry_id IN (SELECT id FROM ledger_entry WHERE kind = 'opening_balance')")
    op.execute("DELETE FROM ledger_entry WHERE kind = 'opening_balance'")
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_constraint('entry_kind', type_='check')
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(32), type_=_kind(), existing_nullable=False)
    with op.batch_alter_table('ledger_line', schema=None) as batch_op:
        batch_op.drop_constraint('ledger_account', type_='check')
    with op.batch_alter_table('ledger_line', schema=None) as batch_op:
        batch_op.alter_column('account', existing_type=sa.String(32), type_=_account(), existing_nullable=False)
