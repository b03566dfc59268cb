"""The council's calendar day: Europe/Paris, whatever the server's zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

COUNCIL_ZONE = ZoneInfo("Europe/Paris")


def today() -> date:
    return datetime.now(COUNCIL_ZONE).date()
