"""The text the one search box compares: normalised in Python, and trigram similarity as PostgreSQL's pg_trgm has it.

Each searched table keeps a ``search_text`` column: its names, reference or address put through :func:`normalise`
(lower case, no accent, no punctuation). The text is normalised here, in Python, when a row is written, rather than
by ``unaccent()`` in the database: PostgreSQL's ``unaccent()`` is not IMMUTABLE, so an index on it would need a
wrapper function; a plain column needs none, and SQLite and PostgreSQL compare the same text.

Typo tolerance is pg_trgm's ``word_similarity``: PostgreSQL computes it (with a trigram GIN index), SQLite calls
:func:`word_similarity` below, registered on each of its connections, a transcription of pg_trgm's algorithm so
that both give the same results.

This module imports nothing of the project: the migration that adds the columns back-fills them with it.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine, Index, String, event, text
from sqlalchemy.orm import MappedColumn, Session, mapped_column

SEARCH_TEXT_LENGTH = 400
# How similar (pg_trgm's word similarity) a query and a text must be for a typo to still find the record: 0.5 lets
# one letter missing or wrong in a name of eight ("dechamps" for "deschamps": 0.58) through.
SIMILARITY_THRESHOLD = 0.5

# The columns each searched table's ``search_text`` is made of, in this order.
SEARCHED_COLUMNS: dict[str, tuple[str, ...]] = {
    "applicant": ("first_name", "last_name"),
    "place": ("reference", "address"),
    "organisation": ("name", "address"),
    "structure": ("name", "address"),
}

# Letters that Unicode does not decompose into a base letter and a mark.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ẞ": "ss", "ø": "o",
                            "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ı": "i"})


def normalise(text: str | None) -> str:
    """The text as the search compares it: no accent, lower case, letters and digits only, single spaces.

    >>> normalise("  Déschamps-Lœuvre, 12 rue de l'Église ")
    'deschamps loeuvre 12 rue de l eglise'
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char)).translate(_LIGATURES).casefold()
    # Anything but a letter or a digit separates words, as pg_trgm's word boundaries do.
    return " ".join("".join(char if char.isalnum() else " " for char in bare).split())


def search_text(values: Iterable[str | None]) -> str:
    """The ``search_text`` of a row from its searched columns' values (cut to the column's length)."""
    return normalise(" ".join(value for value in values if value))[:SEARCH_TEXT_LENGTH].rstrip()


# ---------------------------------------------------------------- trigrams, as pg_trgm makes them


def _word_trigrams(text: str) -> list[str]:
    """The trigrams of a text in their order: each word padded with two spaces before and one after (pg_trgm's
    ``generate_trgm_only``; the text is already normalised, so its words are its runs of letters and digits)."""
    trigrams: list[str] = []
    for word in normalise(text).split():
        padded = f"  {word} "
        trigrams.extend(padded[index:index + 3] for index in range(len(padded) - 2))
    return trigrams


def trigrams(text: str) -> set[str]:
    """The set of a text's trigrams (pg_trgm's ``show_trgm``)."""
    return set(_word_trigrams(text))


def similarity(first: str, second: str) -> float:
    """pg_trgm's ``similarity``: shared trigrams over all trigrams of the two texts."""
    one, two = trigrams(first), trigrams(second)
    union = len(one | two)
    return len(one & two) / union if union else 0.0


def word_similarity(query: str | None, text: str | None) -> float:
    """pg_trgm's ``word_similarity(query, text)``: how well the query's trigrams match the best continuous extent
    of the text's ordered trigrams. A line-by-line transcription of ``calc_word_similarity`` and
    ``iterate_word_similarity`` (pg_trgm's trgm_op.c, plain word similarity), so that the greedy search for the
    extent picks the same extent, and the same score, as PostgreSQL does."""
    if not query or not text:
        return 0.0
    wanted = set(_word_trigrams(query))
    ordered = _word_trigrams(text)
    if not wanted or not ordered:
        return 0.0
    ulen1 = len(wanted)
    last_position: dict[str, int] = {}
    ulen2 = count = 0
    lower = -1
    best = 0.0

    def score(shared: int, extent: int) -> float:  # CALCSML
        return shared / (ulen1 + extent - shared)

    for index, trigram in enumerate(ordered):
        found = trigram in wanted
        if lower >= 0 or found:
            if last_position.get(trigram, -1) < 0:
                ulen2 += 1
                if found:
                    count += 1
            last_position[trigram] = index
        if not found:
            continue
        upper = index
        if lower == -1:
            lower = index
            ulen2 = 1
        current = score(count, ulen2)
        # Try moving the extent's start right, for a greater similarity.
        tmp_count, tmp_ulen2, previous_lower = count, ulen2, lower
        for tmp_lower in range(lower, upper + 1):
            candidate = score(tmp_count, tmp_ulen2)
            if candidate > current:
                current, ulen2, lower, count = candidate, tmp_ulen2, tmp_lower, tmp_count
            dropped = ordered[tmp_lower]
            if last_position.get(dropped, -1) == tmp_lower:
                tmp_ulen2 -= 1
                if dropped in wanted:
                    tmp_count -= 1
        best = max(best, current)
        for tmp_lower in range(previous_lower, lower):
            dropped = ordered[tmp_lower]
            if last_position.get(dropped, -1) == tmp_lower:
                last_position[dropped] = -1
    return best


# ---------------------------------------------------------------- keeping the column up to date


def search_default(table: str) -> Callable[[Any], str]:
    """The column default of a table's ``search_text``, computed from the row's other values: it fills the column
    on every INSERT that does not give it, including the demo's bulk inserts, which run no ORM event."""
    columns = SEARCHED_COLUMNS[table]

    def default(context: Any) -> str:
        parameters = context.get_current_parameters()
        return search_text(parameters.get(column) for column in columns)

    return default


def search_column(table: str) -> MappedColumn[str]:
    """A searched table's ``search_text`` column: its searched columns, normalised; empty until computed."""
    return mapped_column(String(SEARCH_TEXT_LENGTH), default=search_default(table), server_default=text("''"),
                         doc=f"{', '.join(SEARCHED_COLUMNS[table])}, normalised for the search box.")


def trigram_index(table: Any) -> Index:
    """The index of a table's ``search_text``: on PostgreSQL a trigram GIN index, which serves both ``LIKE '%q%'``
    and the word-similarity operator ``<%``; on SQLite a plain one (SQLite reads every row the user may see)."""
    return Index(f"ix_{table.name}_search_text", table.c.search_text, postgresql_using="gin",
                 postgresql_ops={"search_text": "gin_trgm_ops"})


def refresh(row: Any) -> None:
    """Recompute a searched row's ``search_text`` from its columns (no change if none is searched)."""
    columns = SEARCHED_COLUMNS.get(getattr(row, "__tablename__", ""))
    if columns is None:
        return
    value = search_text(getattr(row, column) for column in columns)
    if row.search_text != value:
        row.search_text = value


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    # New and changed rows of the searched tables: their search text follows their names and addresses.
    for row in (*session.new, *session.dirty):
        refresh(row)


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLite has no pg_trgm: the same function, in Python, under the same name.
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("word_similarity", 2, word_similarity, deterministic=True)
