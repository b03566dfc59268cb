"""written consultations of the members between hearings

A written consultation is a hearing of kind ``written`` with one agenda item: what is put to the members
(``consultation``) and each member's written answer (``consultation_answer``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DECISIONS = ('allocate', 'ranked', 'waiting_list', 'defer', 'refuse', 'review_noted')
ANSWERS = ('in_favour', 'against', 'abstain', 'withdrawn')


def upgrade() -> None:
    op.create_table(
        'consultation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hearing_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('proposal', sa.Enum(*DECISIONS, name='consultation_proposal', native_enum=False,
                                      create_constraint=True, length=32), nullable=False),
        sa.Column('place_id', sa.Integer(), nullable=True),
        sa.Column('grounds', sa.Text(), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', commission.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('concluded_at', commission.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['hearing_id'], ['hearing.id'], name='fk_consultation_hearing_id_hearing'),
        sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], name='fk_consultation_item_id_agenda_item'),
        sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'],
                                name='fk_consultation_opened_by_id_user_account'),
        sa.ForeignKeyConstraint(['place_id'], ['place.id'], name='fk_consultation_place_id_place'),
        sa.PrimaryKeyConstraint('id', name='pk_consultation'),
        sa.UniqueConstraint('hearing_id', name='uq_consultation_hearing_id'),
        sa.UniqueConstraint('item_id', name='uq_consultation_item_id'),
    )
    op.create_table(
        'consultation_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('attendance_id', sa.Integer(), nullable=False),
        sa.Column('choice', sa.Enum(*ANSWERS, name='answer_choice', native_enum=False, create_constraint=True,
                                    length=32), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('answered_at', commission.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'],
                                name='fk_consultation_answer_answered_by_id_user_account'),
        sa.ForeignKeyConstraint(['attendance_id'], ['hearing_attendance.id'],
                                name='fk_consultation_answer_attendance_id_hearing_attendance'),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                                name='fk_consultation_answer_consultation_id_consultation'),
        sa.PrimaryKeyConstraint('id', name='pk_consultation_answer'),
        sa.UniqueConstraint('consultation_id', 'attendance_id', name='uq_consultation_answer_member'),
    )
    op.create_index('ix_consultation_answer_consultation_id', 'consultation_answer', ['consultation_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_consultation_answer_consultation_id', table_name='consultation_answer')
    op.drop_table('consultation_answer')
    op.drop_table('consultation')
