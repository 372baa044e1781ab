"""The limit on password-reset e-mails, against mail-bombing: so many per address and so many per client
address in any rolling hour (HUIYIN_PASSWORD_RESET_PER_ADDRESS, HUIYIN_PASSWORD_RESET_PER_CLIENT).

The count is kept in the database, so every web process sees the same one; a request is counted whether or
not an account uses the address, so neither the limit nor its message tells whether one does. Requests
refused by the limit are not counted, so it ends at the time it names.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from .lockout import client_ip
from .mail import beijing_time
from .models import PasswordResetRequest

WINDOW = timedelta(hours=1)
# Kept a day, for an administrator looking into a flood; then deleted by the hourly task.
KEPT = timedelta(days=1)


def address_digest(email: str) -> str:
    """A keyed hash of the address: the table says how often, never who."""
    return salted_hmac("huiyin.accounts.password-reset", email.strip().lower(), algorithm="sha256").hexdigest()


def _wait(requests, limit: int, now: datetime) -> int | None:
    latest = list(requests.order_by("-requested_at").values_list("requested_at", flat=True)[:limit])
    if len(latest) < limit:
        return None
    return max(1, int((latest[-1] + WINDOW - now).total_seconds() + 0.999))


def password_reset_wait(*, email: str, client: str | None, now: datetime | None = None) -> int | None:
    """Seconds to wait before this request may be made, or None: then it is allowed, and counted."""
    now = now or timezone.now()
    recent = PasswordResetRequest.objects.filter(requested_at__gt=now - WINDOW)
    digest = address_digest(email)
    waits = [
        _wait(recent.filter(address_digest=digest), settings.HUIYIN["PASSWORD_RESET_PER_ADDRESS"], now),
        _wait(recent.filter(client_ip=client), settings.HUIYIN["PASSWORD_RESET_PER_CLIENT"], now) if client else None,
    ]
    wait = max((seconds for seconds in waits if seconds is not None), default=None)
    if wait is None:
        PasswordResetRequest.objects.create(address_digest=digest, client_ip=client, requested_at=now)
    return wait


def password_reset_wait_message(wait: int) -> str:
    return _(
        "Too many requests for a new password for this address or from your network. Try again after %(time)s "
        "(Beijing time)."
    ) % {"time": beijing_time(timezone.now() + timedelta(seconds=wait))}


def password_reset_requests_forget(*, now: datetime) -> int:
    deleted, _by_model = PasswordResetRequest.objects.filter(requested_at__lt=now - KEPT).delete()
    return deleted


class PasswordResetThrottle(BaseThrottle):
    """The same limit for ``POST auth/password/reset/``: 429 with Retry-After."""

    def allow_request(self, request, view) -> bool:
        if request.method != "POST":
            self.seconds = None
            return True
        email = request.data.get("email", "") if hasattr(request.data, "get") else ""
        self.seconds = password_reset_wait(email=str(email), client=client_ip(request))
        return self.seconds is None

    def wait(self) -> int | None:
        return self.seconds
