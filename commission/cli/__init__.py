"""The ``commission`` command: set up, run, and look after an installation.

One module per group of commands, each adding its commands to the one group, :func:`main` (the console
entry point ``commission = "commission.cli:main"``): :mod:`.installation` (the database, the demo, the
server, backups), :mod:`.access` (accounts, the audit trail, the access log, retention),
:mod:`.activity` (the workflow's diagrams, hearings and their documents, the checks, the fund,
reminders, reports); :mod:`.base` holds what they share.
"""

from __future__ import annotations

from commission.cli import access, activity, imports, installation
from commission.cli.base import main

__all__ = ["access", "activity", "imports", "installation", "main"]
