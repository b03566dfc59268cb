"""`pip install .` gives a working program: the wheel carries templates, migrations, static files and
translations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    pytest.importorskip("hatchling", reason="hatchling builds the wheel")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True, capture_output=True,
    )
    (built,) = out.glob("commission-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_carries_what_the_program_needs(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for required in (
        "commission/templates/base.html",
        "commission/templates/errors/error.html",
        "commission/migrations/env.py",
        "commission/migrations/script.py.mako",
        "commission/migrations/versions/0001_foundation.py",
        "commission/web/static/style.css",
        "commission/web/static/print.css",
        "commission/translations/fr/LC_MESSAGES/messages.mo",
        "commission/translations/en/LC_MESSAGES/messages.mo",
    ):
        assert required in names, required
    assert any(name.endswith("entry_points.txt") and b"commission = commission.cli:main" in wheel.read(name)
               for name in names)


def test_every_template_and_migration_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for folder in ("templates", "migrations"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert f"commission/{path.relative_to(ROOT)}" in names, path
