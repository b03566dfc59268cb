"""Where the project's own files live, in a source checkout and in an installed wheel alike.

The repository keeps ``migrations/`` and ``templates/`` at its top; the wheel carries them inside
the package (see ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    beside = PACKAGE_DIR.parent / name
    if beside.is_dir():
        return beside
    raise FileNotFoundError(f"the {name} folder of the commission package is missing")


def migrations_dir() -> Path:
    return _find("migrations")


def templates_dir() -> Path:
    return _find("templates")


def static_dir() -> Path:
    return PACKAGE_DIR / "web" / "static"


def translations_dir() -> Path:
    return PACKAGE_DIR / "translations"
