"""Imports from spreadsheets (CSV or XLSX): a council arriving with years of paper.

:mod:`.reading` reads a file into a table, :mod:`.mapping` matches its columns to a kind's, :mod:`.core` runs
the dry run and the real run (all or nothing), :mod:`.kinds` declares what a kind is; :mod:`.stock_kinds`
holds the partners, places, agreements and structures. Importing this package registers every kind.
"""

from __future__ import annotations

# kinds of other modules: one import line each, below
from commission.services.imports import (
    deposits_kind,  # noqa: F401
    people_kind,  # noqa: F401
    stock_kinds,  # noqa: F401
)
