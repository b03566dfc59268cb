"""Invitations to a hearing as iCalendar (RFC 5545), for the members' and partners' calendars.

The same invitation always gives the same bytes: the UID is the data's, the timestamp is the data's
(or the start), never the clock. Times are written in Europe/Paris with the VTIMEZONE that defines it,
so that a calendar in any zone shows the hearing at the right hour, across daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from icalendar import Calendar, Event, vCalAddress

from commission.clock import COUNCIL_ZONE
from commission.documents.data import Invitation

PRODID = "-//Commission appartement//commission//FR"


def invitation_ics(invitation: Invitation) -> bytes:
    """One recipient's invitation, a scheduling request (iTIP ``METHOD:REQUEST``): a calendar offers to
    accept it, and a later one with the same UID and a higher SEQUENCE moves the event."""
    calendar = _calendar([invitation])
    calendar.add("method", "REQUEST")
    return bytes(calendar.to_ical())


def invitations_ics(invitations: Sequence[Invitation]) -> bytes:
    """Several invitations in one file to import. iTIP allows a single UID per scheduling message, so
    this calendar carries no METHOD: it is plain calendar data (RFC 5545), not a request."""
    return bytes(_calendar(invitations).to_ical())


def _calendar(invitations: Sequence[Invitation]) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    for invitation in invitations:
        calendar.add_component(_event(invitation))
    if invitations:
        # Only the years the events need: the full default range (1970-2038) would repeat every
        # daylight-saving change of seventy years in each file.
        first = min(invitation.start for invitation in invitations).astimezone(COUNCIL_ZONE)
        last = max(invitation.end for invitation in invitations).astimezone(COUNCIL_ZONE)
        calendar.add_missing_timezones(first_date=date(first.year, 1, 1), last_date=date(last.year + 1, 1, 1))
    return calendar


def _event(invitation: Invitation) -> Event:
    start, end = _paris(invitation.start), _paris(invitation.end)
    stamp = (invitation.stamp or invitation.start).astimezone(UTC)
    organizer = vCalAddress.new(invitation.organizer_email, cn=invitation.organizer_name)
    attendees = []
    if invitation.attendee_email:
        attendees.append(vCalAddress.new(invitation.attendee_email, cn=invitation.attendee_name,
                                         role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp=True))
    return Event.new(
        uid=invitation.uid,
        stamp=stamp,
        start=start,
        end=end,
        summary=invitation.summary,
        description=invitation.description,
        location=invitation.location,
        organizer=organizer,
        attendees=attendees,
        sequence=invitation.sequence,
    )


def _paris(moment: datetime) -> datetime:
    """The moment in the council's zone; a naive time is refused rather than guessed."""
    if moment.tzinfo is None:
        raise ValueError("an invitation's times must be timezone-aware")
    return moment.astimezone(COUNCIL_ZONE)
