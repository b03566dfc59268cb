"""hearings of three kinds: the ordinary quarterly hearing, an extraordinary hearing, a written consultation

Every hearing so far is ordinary. ``purpose`` says why a hearing off the quarterly rhythm is held.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 14:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('hearing', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'kind', sa.Enum('ordinary', 'extraordinary', 'written', name='hearing_kind', native_enum=False,
                            create_constraint=True, length=32),
            nullable=False, server_default='ordinary'))
        batch_op.add_column(sa.Column('purpose', sa.Text(), nullable=False, server_default=''))
    # the empty text was for the rows already there; new rows get theirs from the application
    with op.batch_alter_table('hearing', schema=None) as batch_op:
        batch_op.alter_column('purpose', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('hearing', schema=None) as batch_op:
        batch_op.drop_constraint('hearing_kind', type_='check')  # ck_hearing_hearing_kind by the naming convention
        batch_op.drop_column('purpose')
        batch_op.drop_column('kind')
