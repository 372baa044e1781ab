"""What every page's frame needs: the user's navigation and unread count, read lazily and at most once."""

from django.utils.functional import SimpleLazyObject

from enterprises.access import roles_for_user
from notifications.selectors import unread_count_for_user
from workflow.selectors import work_calendar

from .navigation import navigation_for


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": SimpleLazyObject(lambda: navigation_for(roles_for_user(user), request.path)),
        "unread_count": SimpleLazyObject(lambda: unread_count_for_user(user)),
        "work_calendar": SimpleLazyObject(work_calendar),
    }
