"""URL converters: an id in a URL is bounded like any other input (out of range is a 404, never a 500)."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map, ValidationError

from commission.parsing import MAX_ID


class IdConverter(IntegerConverter):
    """Flask's ``int`` with ASCII digits only, from 1 to :data:`~commission.parsing.MAX_ID` unless told."""

    regex = r"[0-9]+"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> Any:
        if len(value.lstrip("0")) > len(str(MAX_ID)):  # int() refuses very long strings with a ValueError
            raise ValidationError()
        return super().to_python(value)
