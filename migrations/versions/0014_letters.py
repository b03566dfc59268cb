"""decisions reach people: the council's letterhead, the letters' texts and their versions, the register of
outgoing mail, the print runs, the three-party care commitment, the housing allowance and the person's consent
to an e-mail notice; the outbox carries letters as well as digests (``sent_mail.user_id`` may be empty).

Stepping down drops the letters' e-mails from the outbox with the rest.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 19:24:49.983729
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('council_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('street', sa.String(length=38), nullable=False),
    sa.Column('address_extra', sa.String(length=38), nullable=False),
    sa.Column('postcode', sa.String(length=5), nullable=False),
    sa.Column('town', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('president_name', sa.String(length=120), nullable=False),
    sa.Column('president_capacity', sa.String(length=160), nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_type', sa.String(length=20), nullable=False),
    sa.Column('means_threshold_cents', sa.Integer(), nullable=False),
    sa.Column('new_examination_days', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_council_profile_one_profile')),
    sa.CheckConstraint('means_threshold_cents >= 0', name=op.f('ck_council_profile_means_threshold_not_negative')),
    sa.CheckConstraint('new_examination_days BETWEEN 1 AND 365', name=op.f('ck_council_profile_new_examination_days_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_council_profile_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_profile'))
    )
    op.create_table('letter_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('offer', 'ranked', 'waiting_list', 'deferral', 'refusal', 'offer_expired', 'welcome', 'review', 'exit', name='letter_template_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('audience', sa.Enum('person', 'landlord', name='letter_audience', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_letter_template_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_template')),
    sa.UniqueConstraint('kind', 'audience', 'version', name='uq_letter_template_version')
    )
    op.create_table('print_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('posted_on', sa.Date(), nullable=True),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_print_run_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['posted_by_id'], ['user_account.id'], name=op.f('fk_print_run_posted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_run'))
    )
    op.create_table('outgoing_letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('offer', 'ranked', 'waiting_list', 'deferral', 'refusal', 'offer_expired', 'welcome', 'review', 'exit', name='letter_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('recipient', sa.Enum('person', 'guardian', 'care_team', 'landlord', name='letter_recipient', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.Enum('post', 'email', name='letter_channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('to_post', 'printed', 'posted', 'to_send', 'sent', 'failed', 'no_address', name='letter_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('letter_date', sa.Date(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('print_run_id', sa.Integer(), nullable=True),
    sa.Column('posted_on', sa.Date(), nullable=True),
    sa.Column('sent_at', commission.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_outgoing_letter_case_id_case_file')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_outgoing_letter_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['print_run_id'], ['print_run.id'], name=op.f('fk_outgoing_letter_print_run_id_print_run')),
    sa.ForeignKeyConstraint(['template_id'], ['letter_template.id'], name=op.f('fk_outgoing_letter_template_id_letter_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_letter')),
    sa.UniqueConstraint('reference', name=op.f('uq_outgoing_letter_reference'))
    )
    with op.batch_alter_table('outgoing_letter', schema=None) as batch_op:
        batch_op.create_index('ix_outgoing_letter_case', ['case_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_letter_print_run_id'), ['print_run_id'], unique=False)
        batch_op.create_index('ix_outgoing_letter_status', ['status', 'created_at'], unique=False)

    op.create_table('care_commitment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('allocated_on', sa.Date(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('person_commitments', sa.Text(), nullable=False),
    sa.Column('care_team_commitments', sa.Text(), nullable=False),
    sa.Column('council_commitments', sa.Text(), nullable=False),
    sa.Column('person_signed_on', sa.Date(), nullable=True),
    sa.Column('care_team_signed_on', sa.Date(), nullable=True),
    sa.Column('care_team_signatory', sa.String(length=200), nullable=False),
    sa.Column('council_signed_on', sa.Date(), nullable=True),
    sa.Column('council_signatory', sa.String(length=200), nullable=False),
    sa.Column('signed_document_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_care_commitment_case_id_case_file')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_care_commitment_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_care_commitment_place_id_place')),
    sa.ForeignKeyConstraint(['signed_document_id'], ['case_document.id'], name=op.f('fk_care_commitment_signed_document_id_case_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_commitment')),
    sa.UniqueConstraint('case_id', 'place_id', 'allocated_on', name='uq_care_commitment_allocation')
    )
    with op.batch_alter_table('care_commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_commitment_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('applicant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_by_email', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('housing_allowance_cents', sa.Integer(), nullable=True))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=160), nullable=False, server_default=sa.text("''")))

    with op.batch_alter_table('sent_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letter_id', sa.Integer(), nullable=True))
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_sent_mail_letter_id'), ['letter_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_sent_mail_letter_id_outgoing_letter'), 'outgoing_letter', ['letter_id'], ['id'])



def downgrade() -> None:
    op.execute("DELETE FROM sent_mail WHERE letter_id IS NOT NULL OR user_id IS NULL")
    with op.batch_alter_table('sent_mail', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sent_mail_letter_id_outgoing_letter'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sent_mail_letter_id'))
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('letter_id')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('title')

    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_column('housing_allowance_cents')

    with op.batch_alter_table('applicant', schema=None) as batch_op:
        batch_op.drop_column('notice_by_email')

    with op.batch_alter_table('care_commitment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_commitment_case_id'))

    op.drop_table('care_commitment')
    with op.batch_alter_table('outgoing_letter', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_letter_status')
        batch_op.drop_index(batch_op.f('ix_outgoing_letter_print_run_id'))
        batch_op.drop_index('ix_outgoing_letter_case')

    op.drop_table('outgoing_letter')
    op.drop_table('print_run')
    op.drop_table('letter_template')
    op.drop_table('council_profile')
