"""the audit trail keyed outside the database, and the ledger in its chain

Each audit entry names the key that signed it (``key_id``); the entries written before have none and
keep their plain hash. Stepping down drops the column: the entries signed since can then no longer be
told from forgeries by ``commission audit verify``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_column('key_id')
