"""Running a service from a form: a refusal becomes a message on the page, never a stack trace."""

from collections.abc import Callable, Iterator
from typing import TypeVar

from django.contrib import messages
from django.http import HttpRequest

from core.errors import ApplicationError

Result = TypeVar("Result")


def field_problems(fields: dict) -> Iterator[str]:
    """Every message of a refusal's fields, also of nested ones (the sub-cases of a meeting's decision)."""
    for problems in fields.values():
        if isinstance(problems, dict):
            yield from field_problems(problems)
        else:
            yield from (str(problem) for problem in problems)


def perform(request: HttpRequest, action: Callable[[], Result], *, success: str) -> Result | None:
    """Run ``action``; on success flash ``success``, on a refusal flash its reason and return None."""
    try:
        result = action()
    except ApplicationError as refusal:
        messages.error(request, refusal.message)
        for problem in field_problems(refusal.fields):
            if problem != str(refusal.message):
                messages.error(request, problem)
        return None
    messages.success(request, success)
    return result
