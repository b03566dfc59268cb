"""the hearing day's session: the commission's usual reasons for its decisions

A short list per kind of decision, kept by the coordinator and offered to the chair at the session.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'usual_reason',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision', sa.Enum('allocate', 'ranked', 'waiting_list', 'defer', 'refuse', 'review_noted',
                                      name='usual_reason_decision', native_enum=False, create_constraint=True,
                                      length=32), nullable=False),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_usual_reason'),
        sa.UniqueConstraint('decision', 'text', name='uq_usual_reason_decision'),
    )
    op.create_index('ix_usual_reason_decision_position', 'usual_reason', ['decision', 'position'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_usual_reason_decision_position', table_name='usual_reason')
    op.drop_table('usual_reason')
