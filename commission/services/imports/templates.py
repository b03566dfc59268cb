"""The templates to fill in, one per kind, as CSV and XLSX: the kind's columns with their French headers, and
an example row."""

from __future__ import annotations

from commission import policy
from commission.documents import exports
from commission.errors import InvalidInput, NotFound
from commission.models.accounts import User
from commission.services.imports.kinds import get_kind

FORMATS = exports.FORMATS


def template_file(actor: User, kind_name: str, fmt: str) -> tuple[bytes, str, str]:
    """The template's bytes, its media type and its file name (not found for a kind or a format that is not)."""
    policy.require(actor, policy.Action.IMPORT_DATA)
    if fmt not in FORMATS:
        raise NotFound()
    try:
        kind = get_kind(kind_name)
    except InvalidInput:
        raise NotFound() from None
    from commission.services.imports.kinds import example_table

    example = example_table(kind)
    table = exports.Table(name=kind.name, columns=tuple(exports.Column(title=header, width=max(14, len(header) + 2))
                                                        for header in example.headers),
                          rows=[tuple(row) for row in example.rows])
    name = f"modele-import-{kind.name}.{fmt}"
    if fmt == "csv":
        return exports.to_csv(table), exports.CSV_MEDIA_TYPE, name
    return exports.to_xlsx([table], title=name), exports.XLSX_MEDIA_TYPE, name
