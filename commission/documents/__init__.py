"""The documents of the commission: minutes, agendas and letters as PDF, invitations as iCalendar.

Renderers take the plain data of :mod:`commission.documents.data`, never ORM objects.
"""
