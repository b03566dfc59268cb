"""case files

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db


# Frozen here, as it was when this revision was written.
HOLDING_CONDITION = (
    "state IN ('allocated', 'offer_accepted', 'moving_in', 'housed', 'exiting') AND allocated_place_id IS NOT NULL"
)

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('case_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('care_team_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('housing_situation', sa.Enum('hospitalised', 'with_family', 'hostel', 'own_tenancy', 'homeless', 'temporary', 'other', name='housing_situation', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('housing_details', sa.Text(), nullable=False),
    sa.Column('monthly_resources_cents', sa.Integer(), nullable=True),
    sa.Column('resources_details', sa.Text(), nullable=False),
    sa.Column('referring_psychiatrist', sa.String(length=200), nullable=False),
    sa.Column('referring_nurse', sa.String(length=200), nullable=False),
    sa.Column('social_worker', sa.String(length=200), nullable=False),
    sa.Column('requested_kind', sa.Enum('apartment', 'hostel_place', 'transitional_place', 'residence_place', name='requested_kind', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('needs_ground_floor', sa.Boolean(), nullable=False),
    sa.Column('needs_accessible', sa.Boolean(), nullable=False),
    sa.Column('needs_details', sa.Text(), nullable=False),
    sa.Column('project', sa.Text(), nullable=False),
    sa.Column('consent_given', sa.Boolean(), nullable=False),
    sa.Column('consent_date', sa.Date(), nullable=True),
    sa.Column('missing_items', sa.Text(), nullable=False),
    sa.Column('awaited_items', sa.Text(), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('scheduled_for', sa.Date(), nullable=True),
    sa.Column('allocated_place_id', sa.Integer(), nullable=True),
    sa.Column('offer_deadline', sa.Date(), nullable=True),
    sa.Column('move_in_date', sa.Date(), nullable=True),
    sa.Column('decline_count', sa.Integer(), nullable=False),
    sa.Column('submitted_at', commission.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['allocated_place_id'], ['place.id'], name=op.f('fk_case_file_allocated_place_id_place')),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicant.id'], name=op.f('fk_case_file_applicant_id_applicant')),
    sa.ForeignKeyConstraint(['care_team_id'], ['care_team.id'], name=op.f('fk_case_file_care_team_id_care_team')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_case_file_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_file'))
    )
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_file_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_state'), ['state'], unique=False)
        batch_op.create_index('ix_case_file_team_state', ['care_team_id', 'state'], unique=False)
        batch_op.create_index(
            'uq_case_file_place_holder', ['allocated_place_id'], unique=True,
            sqlite_where=sa.text(HOLDING_CONDITION), postgresql_where=sa.text(HOLDING_CONDITION),
        )

    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_access_log_case_id_case_file')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_access_log_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_case_at', ['case_id', 'at'], unique=False)
        batch_op.create_index('ix_access_log_user_at', ['user_id', 'at'], unique=False)

    op.create_table('case_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('identity', 'resources', 'guardianship', 'medical_certificate', 'other', name='document_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('medical', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_case_document_case_id_case_file')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_case_document_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_document'))
    )
    with op.batch_alter_table('case_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_document_case_id'), ['case_id'], unique=False)

    op.create_table('case_medical',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('diagnosis_summary', sa.Text(), nullable=False),
    sa.Column('treatment', sa.Text(), nullable=False),
    sa.Column('hospitalisations', sa.Text(), nullable=False),
    sa.Column('psychiatrist_opinion', sa.Text(), nullable=False),
    sa.Column('updated_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_case_medical_case_id_case_file'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_case_medical_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_medical'))
    )
    op.create_table('case_transition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('case_version', sa.Integer(), nullable=False),
    sa.Column('at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('trigger', sa.String(length=40), nullable=False),
    sa.Column('from_state', sa.String(length=32), nullable=True),
    sa.Column('to_state', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_case_transition_actor_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_case_transition_case_id_case_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_transition')),
    sa.UniqueConstraint('case_id', 'case_version', name='uq_case_transition_case_version')
    )
    with op.batch_alter_table('case_transition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_transition_case_id'), ['case_id'], unique=False)

    op.create_table('case_wished_town',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_case_wished_town_case_id_case_file'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_case_wished_town_town_id_town')),
    sa.PrimaryKeyConstraint('case_id', 'town_id', name=op.f('pk_case_wished_town'))
    )


def downgrade() -> None:
    op.drop_table('case_wished_town')
    with op.batch_alter_table('case_transition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_transition_case_id'))

    op.drop_table('case_transition')
    op.drop_table('case_medical')
    with op.batch_alter_table('case_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_document_case_id'))

    op.drop_table('case_document')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_user_at')
        batch_op.drop_index('ix_access_log_case_at')

    op.drop_table('access_log')
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_team_state')
        batch_op.drop_index('uq_case_file_place_holder')
        batch_op.drop_index(batch_op.f('ix_case_file_state'))
        batch_op.drop_index(batch_op.f('ix_case_file_applicant_id'))

    op.drop_table('case_file')
