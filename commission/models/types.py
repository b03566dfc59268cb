"""Column helpers shared by the models."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Enum


def str_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """An enum stored as its values in a VARCHAR with a CHECK constraint, the same on every backend."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def enum_values(enum_class: type[enum.Enum]) -> list[Any]:
    return [member.value for member in enum_class]
