"""Running a service from a form: a refusal becomes a message on the page, never a stack trace."""

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.http import HttpRequest

from config.errors import ApplicationError

Result = TypeVar("Result")


def perform(request: HttpRequest, action: Callable[[], Result], *, success: str) -> Result | None:
    """Run ``action``; on success flash ``success``, on a refusal flash its reason and return None."""
    try:
        result = action()
    except ApplicationError as refusal:
        messages.error(request, refusal.message)
        for problems in refusal.fields.values():
            for problem in problems:
                if str(problem) != str(refusal.message):
                    messages.error(request, problem)
        return None
    messages.success(request, success)
    return result
