"""the one search box: a normalised, unaccented search column on each record searched, trigram indexes on PostgreSQL

The text is normalised in Python (commission.search.normalise) when a row is written, not by ``unaccent()`` in the
database: ``unaccent()`` is not IMMUTABLE, so an index on it would need a wrapper function; the plain column needs
none. On PostgreSQL a trigram GIN index (pg_trgm) serves ``LIKE '%q%'`` and the word similarity of a typo; on SQLite
the index is a plain one (the search reads every row its user may see there).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from commission.search import SEARCHED_COLUMNS, search_text

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table_name, columns in SEARCHED_COLUMNS.items():
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('search_text', sa.String(length=400), server_default=sa.text("''"),
                                          nullable=False))
        # The rows already there: the same text the application computes when it writes one.
        table = sa.table(table_name, sa.column('id', sa.Integer), sa.column('search_text', sa.String),
                         *(sa.column(column, sa.String) for column in columns))
        rows = bind.execute(sa.select(table.c.id, *(table.c[column] for column in columns))).all()
        values = [{"row_id": row[0], "text": search_text(row[1:])} for row in rows]
        if values:
            bind.execute(table.update().where(table.c.id == sa.bindparam("row_id"))
                         .values(search_text=sa.bindparam("text")), values)
        if postgresql:
            op.create_index(f'ix_{table_name}_search_text', table_name, ['search_text'], unique=False,
                            postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
        else:
            op.create_index(f'ix_{table_name}_search_text', table_name, ['search_text'], unique=False)


def downgrade() -> None:
    # pg_trgm stays installed: dropping an extension is the database administrator's call.
    for table_name in reversed(SEARCHED_COLUMNS):
        op.drop_index(f'ix_{table_name}_search_text', table_name=table_name)
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.drop_column('search_text')
