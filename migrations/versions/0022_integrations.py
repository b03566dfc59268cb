"""the integration API: tokens per integration, their requests (rate limit), landlords' availability notices,
and the reads through the API in the access log (a token instead of a user)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('integration_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('landlord', 'hospital', 'accountant', name='integration_kind', native_enum=False,
                              create_constraint=True, length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('scopes', sa.String(length=300), nullable=False),
    sa.Column('prefix', sa.String(length=24), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', commission.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('last_used_at', commission.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(kind = 'landlord') = (organisation_id IS NOT NULL) OR kind = 'hospital'",
                       name=op.f('ck_integration_token_binding')),
    sa.CheckConstraint('(revoked_at IS NULL) = (revoked_by_id IS NULL)',
                       name=op.f('ck_integration_token_revoked_by_whom')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_integration_token_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_integration_token_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'],
                            name=op.f('fk_integration_token_revoked_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_token')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_integration_token_secret_hash'))
    )
    with op.batch_alter_table('integration_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integration_token_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('api_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['integration_token.id'],
                            name=op.f('fk_api_request_token_id_integration_token'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_request'))
    )
    with op.batch_alter_table('api_request', schema=None) as batch_op:
        batch_op.create_index('ix_api_request_token_at', ['token_id', 'at'], unique=False)

    op.create_table('availability_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('available_from', sa.Date(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'confirmed', 'dismissed', name='notice_status', native_enum=False,
                                create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', commission.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(status = 'waiting') = (decided_at IS NULL)", name=op.f('ck_availability_notice_decided_when')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'],
                            name=op.f('fk_availability_notice_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_availability_notice_place_id_place')),
    sa.ForeignKeyConstraint(['token_id'], ['integration_token.id'],
                            name=op.f('fk_availability_notice_token_id_integration_token')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_notice'))
    )
    with op.batch_alter_table('availability_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_availability_notice_place_id'), ['place_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_availability_notice_status'), ['status'], unique=False)

    # A read through the API is logged with its token, and no user.
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_id', sa.Integer(), nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_access_log_token_id_integration_token'), 'integration_token',
                                    ['token_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_access_log_token_id'), ['token_id'], unique=False)
        batch_op.create_check_constraint(batch_op.f('ck_access_log_reader'), '(user_id IS NULL) <> (token_id IS NULL)')


def downgrade() -> None:
    op.execute("DELETE FROM access_log WHERE user_id IS NULL")
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_access_log_reader'), type_='check')
        batch_op.drop_index(batch_op.f('ix_access_log_token_id'))
        batch_op.drop_constraint(batch_op.f('fk_access_log_token_id_integration_token'), type_='foreignkey')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('token_id')
    with op.batch_alter_table('availability_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_availability_notice_status'))
        batch_op.drop_index(batch_op.f('ix_availability_notice_place_id'))
    op.drop_table('availability_notice')
    with op.batch_alter_table('api_request', schema=None) as batch_op:
        batch_op.drop_index('ix_api_request_token_at')
    op.drop_table('api_request')
    with op.batch_alter_table('integration_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integration_token_organisation_id'))
    op.drop_table('integration_token')
