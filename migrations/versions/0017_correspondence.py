"""the register of official correspondence in and out, with its documents

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('official_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('incoming', 'outgoing', name='mail_direction', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('correspondent', sa.String(length=200), nullable=False),
    sa.Column('correspondent_kind', sa.Enum('authority', 'town', 'landlord', 'funder', 'partner', 'hospital', 'association', 'other', name='correspondent_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('agreement_id', sa.Integer(), nullable=True),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('dated_on', sa.Date(), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=True),
    sa.Column('answer_due', sa.Date(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("direction = 'incoming' OR (answer_due IS NULL AND answered_on IS NULL AND answer_id IS NULL AND answer_note = '')", name=op.f('ck_official_mail_answer_only_incoming')),
    sa.CheckConstraint('answer_due IS NULL OR answer_due >= registered_on', name=op.f('ck_official_mail_answer_due_after_received')),
    sa.CheckConstraint('answer_id IS NULL OR answer_id <> id', name=op.f('ck_official_mail_answer_not_itself')),
    sa.CheckConstraint('answer_id IS NULL OR answered_on IS NOT NULL', name=op.f('ck_official_mail_answer_letter_dated')),
    sa.CheckConstraint('answered_on IS NULL OR answered_on >= registered_on', name=op.f('ck_official_mail_answered_after_received')),
    sa.CheckConstraint('sequence >= 1', name=op.f('ck_official_mail_sequence_positive')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_official_mail_agreement_id_agreement')),
    sa.ForeignKeyConstraint(['answer_id'], ['official_mail.id'], name=op.f('fk_official_mail_answer_id_official_mail')),
    sa.ForeignKeyConstraint(['handler_id'], ['user_account.id'], name=op.f('fk_official_mail_handler_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_official_mail_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_official_mail_place_id_place')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_official_mail_registered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_official_mail')),
    sa.UniqueConstraint('direction', 'year', 'sequence', name=op.f('uq_official_mail_direction_year_sequence')),
    sa.UniqueConstraint('number', name=op.f('uq_official_mail_number'))
    )
    op.create_index(op.f('ix_official_mail_agreement_id'), 'official_mail', ['agreement_id'], unique=False)
    op.create_index(op.f('ix_official_mail_answer_id'), 'official_mail', ['answer_id'], unique=False)
    op.create_index(op.f('ix_official_mail_handler_id'), 'official_mail', ['handler_id'], unique=False)
    op.create_index(op.f('ix_official_mail_organisation_id'), 'official_mail', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_official_mail_place_id'), 'official_mail', ['place_id'], unique=False)
    op.create_table('official_mail_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mail_id'], ['official_mail.id'], name=op.f('fk_official_mail_document_mail_id_official_mail')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_official_mail_document_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_official_mail_document'))
    )
    op.create_index(op.f('ix_official_mail_document_mail_id'), 'official_mail_document', ['mail_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_official_mail_document_mail_id'), table_name='official_mail_document')
    op.drop_table('official_mail_document')
    op.drop_index(op.f('ix_official_mail_place_id'), table_name='official_mail')
    op.drop_index(op.f('ix_official_mail_organisation_id'), table_name='official_mail')
    op.drop_index(op.f('ix_official_mail_handler_id'), table_name='official_mail')
    op.drop_index(op.f('ix_official_mail_answer_id'), table_name='official_mail')
    op.drop_index(op.f('ix_official_mail_agreement_id'), table_name='official_mail')
    op.drop_table('official_mail')
