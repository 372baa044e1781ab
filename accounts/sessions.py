"""The session engine (SESSION_ENGINE = "accounts.sessions"): Django's database sessions, with the user's id
kept in an indexed column so that all of a person's sessions can be found and ended at once.

This is the extension Django documents ("Extending database-backed session engines"); the id is taken
from the session data on every save, so a key cycled at login or by a password change stays covered.
"""

from typing import TYPE_CHECKING, Any, cast

from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

if TYPE_CHECKING:
    from .models import UserSession


class SessionStore(DatabaseSessionStore):
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
