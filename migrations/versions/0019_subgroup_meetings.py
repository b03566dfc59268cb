"""the housing sub-group's members without an account, its meetings and their actions

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'subgroup_member',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('capacity', sa.String(length=200), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('joined_on', sa.Date(), nullable=False),
        sa.Column('left_on', sa.Date(), nullable=True),
        sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint('left_on IS NULL OR left_on >= joined_on',
                           name=op.f('ck_subgroup_member_left_after_joining')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_subgroup_member_organisation_id_organisation')),
        sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_subgroup_member_town_id_town')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subgroup_member')),
    )
    op.create_table(
        'subgroup_meeting',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('starts_at', sa.Time(), nullable=True),
        sa.Column('location', sa.String(length=200), nullable=False),
        sa.Column('agenda', sa.Text(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('notes_by_id', sa.Integer(), nullable=True),
        sa.Column('notes_at', commission.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_subgroup_meeting_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['notes_by_id'], ['user_account.id'],
                                name=op.f('fk_subgroup_meeting_notes_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subgroup_meeting')),
    )
    op.create_index(op.f('ix_subgroup_meeting_held_on'), 'subgroup_meeting', ['held_on'], unique=False)
    op.create_table(
        'subgroup_attendance',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('(user_id IS NULL) <> (member_id IS NULL)', name=op.f('ck_subgroup_attendance_one_person')),
        sa.ForeignKeyConstraint(['meeting_id'], ['subgroup_meeting.id'],
                                name=op.f('fk_subgroup_attendance_meeting_id_subgroup_meeting')),
        sa.ForeignKeyConstraint(['member_id'], ['subgroup_member.id'],
                                name=op.f('fk_subgroup_attendance_member_id_subgroup_member')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_subgroup_attendance_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subgroup_attendance')),
        sa.UniqueConstraint('meeting_id', 'member_id', name=op.f('uq_subgroup_attendance_meeting_id_member_id')),
        sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_subgroup_attendance_meeting_id_user_id')),
    )
    op.create_index(op.f('ix_subgroup_attendance_meeting_id'), 'subgroup_attendance', ['meeting_id'], unique=False)
    op.create_table(
        'subgroup_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('description', sa.String(length=500), nullable=False),
        sa.Column('owner_user_id', sa.Integer(), nullable=True),
        sa.Column('owner_member_id', sa.Integer(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.Column('done_by_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint('owner_user_id IS NULL OR owner_member_id IS NULL',
                           name=op.f('ck_subgroup_action_one_owner')),
        sa.CheckConstraint('done_on IS NULL OR done_by_id IS NOT NULL', name=op.f('ck_subgroup_action_done_by_someone')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_subgroup_action_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id'],
                                name=op.f('fk_subgroup_action_done_by_id_user_account')),
        sa.ForeignKeyConstraint(['meeting_id'], ['subgroup_meeting.id'],
                                name=op.f('fk_subgroup_action_meeting_id_subgroup_meeting')),
        sa.ForeignKeyConstraint(['owner_member_id'], ['subgroup_member.id'],
                                name=op.f('fk_subgroup_action_owner_member_id_subgroup_member')),
        sa.ForeignKeyConstraint(['owner_user_id'], ['user_account.id'],
                                name=op.f('fk_subgroup_action_owner_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subgroup_action')),
    )
    op.create_index(op.f('ix_subgroup_action_meeting_id'), 'subgroup_action', ['meeting_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_subgroup_action_meeting_id'), table_name='subgroup_action')
    op.drop_table('subgroup_action')
    op.drop_index(op.f('ix_subgroup_attendance_meeting_id'), table_name='subgroup_attendance')
    op.drop_table('subgroup_attendance')
    op.drop_index(op.f('ix_subgroup_meeting_held_on'), table_name='subgroup_meeting')
    op.drop_table('subgroup_meeting')
    op.drop_table('subgroup_member')
