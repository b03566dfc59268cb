"""sessions known to the server, throttling by account and by address

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SESSION_ENDS = ('logout', 'ended_by_user', 'password_changed', 'account_disabled', 'two_factor_reset')


def upgrade() -> None:
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', commission.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.Enum(*SESSION_ENDS, name='session_end', native_enum=False, create_constraint=True,
                                      length=32), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('key', name=op.f('uq_user_session_key'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    # The sessions open at the time end: the older code keeps them in the browser's cookie only.
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')
