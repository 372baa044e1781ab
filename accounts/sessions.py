"""The session engine (SESSION_ENGINE = "accounts.sessions"): Django's database sessions, with the user's id
kept in an indexed column so that all of a person's sessions can be found and ended at once.

This is the extension Django documents ("Extending database-backed session engines"); the id is taken
from the session data on every save, so a key cycled at login or by a password change stays covered.
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from core.statements import CompiledOnce

if TYPE_CHECKING:
    from .models import UserSession


def _session_data(key: str, now: datetime):
    model = SessionStore.get_model_class()
    return model.objects.filter(session_key=key, expire_date__gt=now).values_list("session_data")


# Read on every request of a signed-in page: compiled once (its compilation cost more than its run) and prepared, for
# a key no session has (keys are 32 letters and digits) and a moment long past.
_SESSION_DATA = CompiledOnce(_session_data, key="not a session", now=datetime(1900, 1, 1, tzinfo=UTC))


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict[str, Any]:
        """Django's load (the session's data while it has not expired, else none and no key), read by a statement
        compiled once per process."""
        found = _SESSION_DATA.rows(key=self.session_key, now=timezone.now())
        if not found:
            self._session_key = None
            return {}
        return self.decode(found[0][0])

    @classmethod
    def get_model_class(cls) -> type["UserSession"]:
        # From the app registry, as Django's own store finds its model: the model module imports this one.
        return apps.get_model("accounts", "UserSession")

    def create_model_instance(self, data: dict[str, Any]) -> "UserSession":
        # The stubs' store is generic in its model, which this subclass cannot name at runtime.
        session = cast("UserSession", super().create_model_instance(data))
        try:
            session.user_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            session.user_id = None
        return session
