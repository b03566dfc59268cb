"""hearings off the quarterly rhythm: extraordinary hearings, and a convened hearing that moves

One ordinary hearing per quarter (a partial unique index: extraordinary hearings and written consultations
sit beside it); each move of a hearing, and who was told of it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('hearing', schema=None) as batch_op:
        batch_op.drop_constraint('uq_hearing_year_quarter', type_='unique')
    op.create_index('uq_hearing_ordinary_year_quarter', 'hearing', ['year', 'quarter'], unique=True,
                    sqlite_where=sa.text("kind = 'ordinary'"), postgresql_where=sa.text("kind = 'ordinary'"))
    op.create_table(
        'hearing_move',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hearing_id', sa.Integer(), nullable=False),
        sa.Column('at', commission.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('from_day', sa.Date(), nullable=False),
        sa.Column('from_time', sa.Time(), nullable=False),
        sa.Column('from_place', sa.String(length=600), nullable=False),
        sa.Column('to_day', sa.Date(), nullable=False),
        sa.Column('to_time', sa.Time(), nullable=False),
        sa.Column('to_place', sa.String(length=600), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name='fk_hearing_move_actor_id_user_account'),
        sa.ForeignKeyConstraint(['hearing_id'], ['hearing.id'], name='fk_hearing_move_hearing_id_hearing'),
        sa.PrimaryKeyConstraint('id', name='pk_hearing_move'),
    )
    op.create_index('ix_hearing_move_hearing_id', 'hearing_move', ['hearing_id'], unique=False)
    op.create_table(
        'hearing_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('move_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('recipient_name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('letter', sa.Boolean(), nullable=False),
        sa.Column('invitation', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name='fk_hearing_notice_case_id_case_file'),
        sa.ForeignKeyConstraint(['move_id'], ['hearing_move.id'], name='fk_hearing_notice_move_id_hearing_move'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name='fk_hearing_notice_user_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_hearing_notice'),
    )
    op.create_index('ix_hearing_notice_move_id', 'hearing_notice', ['move_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_hearing_notice_move_id', table_name='hearing_notice')
    op.drop_table('hearing_notice')
    op.drop_index('ix_hearing_move_hearing_id', table_name='hearing_move')
    op.drop_table('hearing_move')
    op.drop_index('uq_hearing_ordinary_year_quarter', table_name='hearing')
    # back to one hearing per quarter: refused by the database while an extraordinary hearing sits beside an
    # ordinary one (nothing is deleted to make room)
    with op.batch_alter_table('hearing', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_hearing_year_quarter', ['year', 'quarter'])
