"""Pages every signed-in person has: the start page that leads to their own work, and the inbox; and the
page a locked-out login gets."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.lockout import lockout_ends_at, lockout_message, retry_after_seconds
from core.pagination import TotalInPagePaginator, with_total
from enterprises.access import roles_for_user
from notifications.selectors import notifications_for_user
from notifications.services import notifications_mark_read

from ..navigation import navigation_for

INBOX_PAGE_SIZE = 20
# What an inbox entry shows; the rest of a notification (its key, kind, link, what it is about) is read to open it.
INBOX_COLUMNS = ("id", "subject", "body", "visible_from", "read_at")


def locked_out(request: HttpRequest, original_response: HttpResponse, credentials: dict | None) -> HttpResponse:
    """What /login/ and /admin/login/ answer once axes has locked the username for this address
    (``AXES_LOCKOUT_CALLABLE``): until when, in the person's language, instead of "wrong password"."""
    ends_at = lockout_ends_at(request, credentials)
    response = render(request, "web/locked_out.html", {"message": lockout_message(ends_at)}, status=429)
    response["Retry-After"] = str(retry_after_seconds(ends_at))
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Straight to the first page of the person's own work; an account without a role gets an explanation."""
    work = [item for item in navigation_for(roles_for_user(request.user), request.path) if item.work]
    if work:
        return redirect(work[0].url)
    return render(request, "web/no_role.html")


def page_for(notification) -> str:
    """The page a notification is about: its case's page, an enterprise's visits, a key project's page, else the
    inbox (its ``link`` is the API's)."""
    kind, _, identifier = notification.about.partition(":")
    if kind == "case" and identifier.isdigit():
        return reverse("web:case", kwargs={"case_id": int(identifier)})
    if kind == "enterprise" and identifier.isdigit():
        return reverse("web:enterprise-visits", kwargs={"enterprise_id": int(identifier)})
    if kind == "project" and identifier.isdigit():
        return reverse("web:project", kwargs={"project_id": int(identifier)})
    return reverse("web:inbox")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The person's notifications, newest first: the page and its count in one query."""
    shown = notifications_for_user(request.user)
    rows = with_total(shown.only(*INBOX_COLUMNS), matches=shown)
    page = TotalInPagePaginator(rows, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read and follow its link, so reading and marking are one click."""
    notification = notifications_for_user(request.user).filter(pk=notification_id).first()
    if notification is None:
        return redirect("web:inbox")
    notifications_mark_read(notifications=notifications_for_user(request.user).filter(pk=notification.pk))
    return redirect(page_for(notification))


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(notifications=notifications_for_user(request.user))
    return redirect("web:inbox")
