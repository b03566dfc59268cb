"""The council's letterhead and the settings of its letters, kept by the coordinator (one row)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from commission.models.letters import DEFAULT_MEANS_THRESHOLD_CENTS, DEFAULT_NEW_EXAMINATION_DAYS, CouncilProfile


def current(session: Session) -> CouncilProfile:
    """The council's profile as saved, or the defaults (not added to the session) before the coordinator saved it."""
    profile = session.get(CouncilProfile, 1)
    if profile is not None:
        return profile
    return CouncilProfile(id=1, street="", address_extra="", postcode="", town="", phone="", email="",
                          contact_name="", president_name="", president_capacity="", logo=None, logo_type="",
                          means_threshold_cents=DEFAULT_MEANS_THRESHOLD_CENTS,
                          new_examination_days=DEFAULT_NEW_EXAMINATION_DAYS)
