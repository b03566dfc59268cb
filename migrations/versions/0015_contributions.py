"""the contribution settings: the rate of each year, the contributors and the base of each

A year without settings keeps the reading the contributions always had (0,40 € per inhabitant, the towns on their
population, the hospital on the towns' total): nothing to carry over.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contribution_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('rate_cents', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('rate_cents >= 0', name=op.f('ck_contribution_settings_rate_not_negative')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                            name=op.f('fk_contribution_settings_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_settings')),
    sa.UniqueConstraint('year', name=op.f('uq_contribution_settings_year'))
    )
    op.create_table('contribution_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('settings_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('base', sa.Enum('population', 'fixed', name='contribution_base', native_enum=False,
                              create_constraint=True, length=32), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('fixed_cents', sa.Integer(), nullable=True),
    sa.CheckConstraint('(town_id IS NULL) <> (organisation_id IS NULL)',
                       name=op.f('ck_contribution_share_one_contributor')),
    sa.CheckConstraint('population IS NULL OR population >= 0',
                       name=op.f('ck_contribution_share_population_not_negative')),
    sa.CheckConstraint("base <> 'fixed' OR fixed_cents IS NOT NULL",
                       name=op.f('ck_contribution_share_fixed_has_amount')),
    sa.CheckConstraint('fixed_cents IS NULL OR fixed_cents >= 0',
                       name=op.f('ck_contribution_share_fixed_not_negative')),
    sa.ForeignKeyConstraint(['settings_id'], ['contribution_settings.id'],
                            name=op.f('fk_contribution_share_settings_id_contribution_settings')),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_contribution_share_town_id_town')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_contribution_share_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_share')),
    sa.UniqueConstraint('settings_id', 'town_id', name='uq_contribution_share_town'),
    sa.UniqueConstraint('settings_id', 'organisation_id', name='uq_contribution_share_organisation')
    )
    with op.batch_alter_table('contribution_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_share_settings_id'), ['settings_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contribution_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_share_settings_id'))
    op.drop_table('contribution_share')
    op.drop_table('contribution_settings')
