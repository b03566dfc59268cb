"""the prospective partners followed to a signed agreement, and the agreements' documents

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORGANISATION_KINDS = ('landlord', 'hospital', 'user_association', 'family_association', 'hostel', 'residence',
                      'reception_structure', 'guardianship_service')
PLACE_KINDS = ('apartment', 'hostel_place', 'transitional_place', 'residence_place')
DOCUMENT_KINDS = ('convention', 'amendment', 'renewal', 'other')


def upgrade() -> None:
    op.create_table(
        'prospect',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.Enum(*ORGANISATION_KINDS, name='organisation_kind', native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=True),
        sa.Column('contact_name', sa.String(length=200), nullable=False),
        sa.Column('contact_role', sa.String(length=200), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.Column('places_announced', sa.Integer(), nullable=False),
        sa.Column('place_kind', sa.Enum(*PLACE_KINDS, name='place_kind', native_enum=False, create_constraint=True,
                                        length=32), nullable=True),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('next_action', sa.String(length=300), nullable=False),
        sa.Column('next_action_due', sa.Date(), nullable=True),
        sa.Column('state', sa.String(length=32), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('agreement_id', sa.Integer(), nullable=True),
        sa.Column('follower_id', sa.Integer(), nullable=True),
        sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint('places_announced >= 0', name=op.f('ck_prospect_places_announced_not_negative')),
        sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name='fk_prospect_agreement_id_agreement'),
        sa.ForeignKeyConstraint(['follower_id'], ['user_account.id'], name='fk_prospect_follower_id_user_account'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name='fk_prospect_organisation_id_organisation'),
        sa.ForeignKeyConstraint(['town_id'], ['town.id'], name='fk_prospect_town_id_town'),
        sa.PrimaryKeyConstraint('id', name='pk_prospect'),
    )
    op.create_index('ix_prospect_state', 'prospect', ['state'], unique=False)
    op.create_table(
        'prospect_transition',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('prospect_id', sa.Integer(), nullable=False),
        sa.Column('prospect_version', sa.Integer(), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('next_action', sa.String(length=300), nullable=False),
        sa.Column('next_action_due', sa.Date(), nullable=True),
        sa.Column('at', commission.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor_name', sa.String(length=200), nullable=False),
        sa.Column('trigger', sa.String(length=40), nullable=False),
        sa.Column('from_state', sa.String(length=32), nullable=True),
        sa.Column('to_state', sa.String(length=32), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'],
                                name='fk_prospect_transition_actor_id_user_account'),
        sa.ForeignKeyConstraint(['prospect_id'], ['prospect.id'], name='fk_prospect_transition_prospect_id_prospect'),
        sa.PrimaryKeyConstraint('id', name='pk_prospect_transition'),
        sa.UniqueConstraint('prospect_id', 'prospect_version', name='uq_prospect_transition_version'),
    )
    op.create_index('ix_prospect_transition_prospect_id', 'prospect_transition', ['prospect_id'], unique=False)
    op.create_table(
        'agreement_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agreement_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*DOCUMENT_KINDS, name='agreement_document_kind', native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', commission.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name='fk_agreement_document_agreement_id_agreement'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'],
                                name='fk_agreement_document_uploaded_by_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_agreement_document'),
    )
    op.create_index('ix_agreement_document_agreement_id', 'agreement_document', ['agreement_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_agreement_document_agreement_id', table_name='agreement_document')
    op.drop_table('agreement_document')
    op.drop_index('ix_prospect_transition_prospect_id', table_name='prospect_transition')
    op.drop_table('prospect_transition')
    op.drop_index('ix_prospect_state', table_name='prospect')
    op.drop_table('prospect')
