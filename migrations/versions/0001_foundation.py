"""foundation: towns, organisations, care teams, people, places, accounts, audit

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login_key', sa.String(length=80), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_login_key_at', ['login_key', 'at'], unique=False)
        batch_op.create_index('ix_login_failure_remote_addr_at', ['remote_addr', 'at'], unique=False)

    op.create_table('town',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('population >= 0', name=op.f('ck_town_population_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_town')),
    sa.UniqueConstraint('name', name=op.f('uq_town_name'))
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('landlord', 'hospital', 'user_association', 'family_association', 'hostel', 'residence', 'reception_structure', 'guardianship_service', name='organisation_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_organisation_town_id_town')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('name', name=op.f('uq_organisation_name'))
    )
    op.create_table('care_team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_care_team_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_care_team_town_id_town')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_team')),
    sa.UniqueConstraint('name', name=op.f('uq_care_team_name'))
    )
    op.create_table('guardian',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_guardian_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardian'))
    )
    op.create_table('place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('apartment', 'hostel_place', 'transitional_place', 'residence_place', name='place_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('rooms', sa.Integer(), nullable=False),
    sa.Column('surface_m2', sa.Integer(), nullable=True),
    sa.Column('floor', sa.Integer(), nullable=False),
    sa.Column('accessible', sa.Boolean(), nullable=False),
    sa.Column('rent_cents', sa.Integer(), nullable=False),
    sa.Column('charges_cents', sa.Integer(), nullable=False),
    sa.Column('deposit_cents', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('charges_cents >= 0', name=op.f('ck_place_charges_not_negative')),
    sa.CheckConstraint('deposit_cents >= 0', name=op.f('ck_place_deposit_not_negative')),
    sa.CheckConstraint('rent_cents >= 0', name=op.f('ck_place_rent_not_negative')),
    sa.CheckConstraint('rooms >= 0', name=op.f('ck_place_rooms_not_negative')),
    sa.CheckConstraint('surface_m2 IS NULL OR surface_m2 > 0', name=op.f('ck_place_surface_positive')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_place_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_place_town_id_town')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place')),
    sa.UniqueConstraint('reference', name=op.f('uq_place_reference'))
    )
    op.create_table('applicant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('care_team_id', sa.Integer(), nullable=False),
    sa.Column('protection_measure', sa.Enum('none', 'safeguard', 'curatorship', 'reinforced_curatorship', 'guardianship', 'family_authorisation', name='protection_measure', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['care_team_id'], ['care_team.id'], name=op.f('fk_applicant_care_team_id_care_team')),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id'], name=op.f('fk_applicant_guardian_id_guardian')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applicant'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('coordinator', 'care_team', 'chair', 'member', 'treasurer', 'landlord', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('care_team_id', sa.Integer(), nullable=True),
    sa.Column('town_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_nonce', sa.String(length=64), nullable=False),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', commission.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('password_changed_at', commission.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(role = 'care_team') = (care_team_id IS NOT NULL)", name=op.f('ck_user_account_care_team_binding')),
    sa.CheckConstraint("(role = 'chair') = (town_id IS NOT NULL)", name=op.f('ck_user_account_chair_binding')),
    sa.CheckConstraint("(role = 'landlord') = (organisation_id IS NOT NULL)", name=op.f('ck_user_account_landlord_binding')),
    sa.ForeignKeyConstraint(['care_team_id'], ['care_team.id'], name=op.f('fk_user_account_care_team_id_care_team')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_user_account_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_user_account_town_id_town')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('login', name=op.f('uq_user_account_login'))
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=40), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_entry_actor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entry_hash')),
    sa.UniqueConstraint('prev_hash', name=op.f('uq_audit_entry_prev_hash'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_entry_object', ['object_type', 'object_id'], unique=False)

    # The audit chain starts from a genesis hash; its head row is what writers lock.
    op.bulk_insert(
        sa.table('audit_head', sa.column('id', sa.Integer), sa.column('last_id', sa.Integer),
                 sa.column('last_hash', sa.String)),
        [{'id': 1, 'last_id': 0, 'last_hash': '0' * 64}],
    )



def downgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_object')
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))

    op.drop_table('audit_entry')
    op.drop_table('user_account')
    op.drop_table('applicant')
    op.drop_table('place')
    op.drop_table('guardian')
    op.drop_table('care_team')
    op.drop_table('organisation')
    op.drop_table('town')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_remote_addr_at')
        batch_op.drop_index('ix_login_failure_login_key_at')

    op.drop_table('login_failure')
    op.drop_table('audit_head')
