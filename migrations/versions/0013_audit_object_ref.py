"""the audit trail's typed reference to the record it concerns (object_ref), for the access review's join

``audit_entry.object_ref`` is ``object_id`` as an integer when it is a record's id (digits, no leading
zero, within a 32-bit integer), empty otherwise (a date, a key's id...): the access review joins the
entries to the files and deposits on it, through an index on (object_type, object_ref), instead of
casting each file's id to text; and reads the newest entries of a kind through an index on
(object_type, at). It is derived from ``object_id`` and not covered by the entry's hash: filling it in
here leaves every signature as it was. Stepping down drops both.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 16:30:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
# The rule of commission.models.audit.object_ref, as it stood when this step was written.
RECORD_ID = re.compile(r"(?:0|[1-9][0-9]{0,9})")
LARGEST_REF = 2**31 - 1


def _ref(object_id: str) -> int | None:
    if RECORD_ID.fullmatch(object_id) is None:
        return None
    number = int(object_id)
    return number if number <= LARGEST_REF else None


def upgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('object_ref', sa.Integer(), nullable=True))
    entries = sa.table('audit_entry', sa.column('id', sa.Integer()), sa.column('object_id', sa.String()),
                       sa.column('object_ref', sa.Integer()))
    connection = op.get_bind()
    # In batches, in Python: the same rule as the application's on SQLite and PostgreSQL alike, and no
    # cast that could fail on an object_id that is not a number.
    after = -1
    while True:
        rows = connection.execute(sa.select(entries.c.id, entries.c.object_id).where(entries.c.id > after)
                                  .order_by(entries.c.id).limit(BATCH)).all()
        if not rows:
            break
        refs = [{'entry_id': entry_id, 'ref': ref} for entry_id, object_id in rows
                if (ref := _ref(object_id)) is not None]
        if refs:
            connection.execute(entries.update().where(entries.c.id == sa.bindparam('entry_id'))
                               .values(object_ref=sa.bindparam('ref')), refs)
        after = rows[-1][0]
    op.create_index('ix_audit_entry_object_ref', 'audit_entry', ['object_type', 'object_ref'], unique=False)
    op.create_index('ix_audit_entry_type_at', 'audit_entry', ['object_type', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_entry_type_at', table_name='audit_entry')
    op.drop_index('ix_audit_entry_object_ref', table_name='audit_entry')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_column('object_ref')
