"""data protection: the data-protection officer's role, two-factor login, anonymisation markers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commission.db

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = ('coordinator', 'care_team', 'chair', 'member', 'treasurer', 'landlord')
NEW_ROLES = (*OLD_ROLES, 'data_protection')


def _role(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name='role', native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', commission.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', commission.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_recovery_code_user_id_user_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=_role(OLD_ROLES), type_=_role(NEW_ROLES),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', commission.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))

    with op.batch_alter_table('applicant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', commission.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('guardian', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', commission.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names_erased_at', commission.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_at', ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_at')
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.drop_column('names_erased_at')
    with op.batch_alter_table('guardian', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
    with op.batch_alter_table('applicant', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
    # A data-protection officer's account cannot exist under the older schema.
    op.execute("DELETE FROM recovery_code")
    op.execute("UPDATE user_account SET active = false, role = 'member' WHERE role = 'data_protection'")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
        batch_op.alter_column('role', existing_type=_role(NEW_ROLES), type_=_role(OLD_ROLES),
                              existing_nullable=False)
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')
