"""What django-axes needs from Huiyin: the client's address, when a lock ends, and how to say so.

Axes counts wrong passwords per username and address (settings ``AXES_*``); these helpers read its
records through its own handler, so they follow whatever lockout parameters the settings name.
"""

from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind N trusted proxies the N-th address from the right of
    X-Forwarded-For (the one the outermost trusted proxy saw). Addresses further left are the client's
    own claims and are never believed."""
    hops = settings.HUIYIN["TRUSTED_PROXIES"]
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR")


def lockout_ends_at(request, credentials: dict | None) -> datetime:
    """When the lock on this request's username and address ends: the cool-off after the last counted failure."""
    attempts = AxesProxyHandler.get_implementation().get_user_attempts(request, credentials)
    latest = max(
        (found for found in (qs.aggregate(latest=Max("attempt_time"))["latest"] for qs in attempts) if found),
        default=None,
    )
    return (latest or timezone.now()) + get_cool_off(request)


def lockout_message(ends_at: datetime) -> str:
    return _(
        "Too many failed logins for this account from your network: logging in is blocked until %(time)s "
        "(Beijing time). An administrator can unlock it sooner."
    ) % {"time": timezone.localtime(ends_at).strftime("%Y-%m-%d %H:%M")}


def retry_after_seconds(ends_at: datetime) -> int:
    """For the Retry-After header: whole seconds, at least one."""
    return max(1, int((ends_at - timezone.now()).total_seconds() + 0.999))


def login_failures_forget(request, credentials: dict) -> None:
    """Clear the failures of this username and address after a successful token login.

    A page login does this through axes' ``user_logged_in`` handler; the token endpoint does not log a
    session in, so it calls the same reset itself.
    """
    AxesProxyHandler.get_implementation().reset_user_attempts(request, credentials)
