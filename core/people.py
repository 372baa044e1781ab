"""How a person is named on every page, list, export and notification."""


def person_name(*, first_name: str | None, last_name: str | None, username: str) -> str:
    """The full name as Django's ``get_full_name`` writes it, else the username: for rows read as values, where
    there is no user to ask (and for a user, from its fields)."""
    return f"{first_name or ''} {last_name or ''}".strip() or username


def user_name(user) -> str:
    """A user's name by the same rule: ``get_full_name() or get_username()``."""
    return person_name(first_name=user.first_name, last_name=user.last_name, username=user.get_username())
