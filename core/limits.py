"""Limits on what a request may carry, in one place so that the API, the pages and the services agree.

Text limits are set where no real writer reaches them (a case description of 10,000 characters is
some ten printed pages of Chinese) and far below what would burden the database, the notifications
that quote a text or the exports that print it. docs/api.md explains each choice.
"""

from django.utils.translation import gettext as _

from core.errors import InvalidInput

# The largest primary key either database holds (a BigAutoField is a signed 64-bit integer). A larger
# number in a filter or a body names nothing; passed on to SQLite it would overflow its integers.
MAX_ID = 2**63 - 1

# One line that names something: a case, a sub-case, a meeting, a circular (their database columns).
TITLE = 200
# Where a meeting is held.
LOCATION = 200
# How a re-check was done, when it was neither a call nor a visit (its database column).
METHOD_OTHER = 100
# What a search box or the ledger's "number or title contains" looks for.
SEARCH = 100
# The cases one request links to a common problem (共性问题): more enterprises than a district's widest
# problem reaches at once; more come with another request.
LINKED_CASES = 200
# A period as a request names it ("2026-11", "2026-Q4", "2026"): a circular's column for it.
PERIOD = 30
# Signing in: Django's username column, and the length at which Django itself once stopped hashing
# passwords (a longer one only costs the server time).
USERNAME = 150
PASSWORD = 4096
# Long texts a reader studies: a case's (or sub-case's) description, the reply that resolves it, a joint
# review meeting's minutes and general record, a circular's introduction and requirements.
DESCRIPTION = 10_000
REPLY = 10_000
MINUTES = 10_000
CIRCULAR_TEXT = 10_000
# A message on a case (public reply or internal note) and a unit's report on a rectification.
COMMENT = 5_000
REPORT = 5_000
# What was discussed on a visit to an enterprise (an internal note), and who was met there (its database column).
VISIT_NOTES = 5_000
MET_WITH = 200
# Problems filed from one visit: a visit finds a handful; more are a list for the dispatcher, not a visit.
VISIT_PROBLEMS = 20
# Why something is asked or refused: a send-back, reopening, withdrawal, more time, a flag for the
# meeting, an appeal, a rectification returned.
REASON = 2_000
# A note beside a decision: routing, urging, an extension or appeal decided, a rating's comment, a
# re-check's finding, a flag withdrawn, a rectification accepted, a circular's comment on a unit.
NOTE = 2_000


def checked_text(value: str | None, *, field: str, limit: int) -> str:
    """The text without surrounding blanks, if it keeps within ``limit`` characters; whether it may be
    empty is the caller's rule. Services call it before they write anything, so a text refused here
    leaves nothing half-written, whether it came from a page or the API."""
    text = (value or "").strip()
    if len(text) > limit:
        message = _("This text is too long: at most %(limit)d characters (it has %(length)d).") % {
            "limit": limit,
            "length": len(text),
        }
        raise InvalidInput(message, code="too_long", fields={field: [message]})
    return text


def required_text(value: str | None, field: str, message: str, *, limit: int) -> str:
    """A text that must be given (``message`` says what is missing), within its limit, without surrounding
    blanks."""
    text = checked_text(value, field=field, limit=limit)
    if not text:
        raise InvalidInput(message, code="required", fields={field: [message]})
    return text
