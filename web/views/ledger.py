"""The problem ledger (问题台账) from the browser: request it with the case list's filters, follow my jobs,
download the file when it is written. The job and the file are ``supervision.ledger``'s."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.pagination import KeysFirstPaginator
from supervision.ledger.permissions import may_export_ledger
from supervision.ledger.selectors import ledger_exports_visible_to
from supervision.ledger.services import ledger_export_request

from ..actions import perform
from ..forms.ledger import LedgerFilterForm
from .supervision import refused

JOBS_PAGE_SIZE = 20


def request_language() -> str:
    """The ledger's headers in the page's language, as the API chooses them."""
    return "en" if (get_language() or "").startswith("en") else settings.LANGUAGE_CODE


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_export_ledger(user):
        return refused(request, _("Only officials can export the problem ledger."))
    status = 200
    if request.method == "POST":
        form = LedgerFilterForm(request.POST, auto_id="ledger-%s")
        if form.is_valid():
            job = perform(
                request,
                lambda: ledger_export_request(acting_user=user, filters=form.filters(), language=request_language()),
                success=_("The ledger is being written. It appears below when it is ready, and your inbox tells you."),
            )
            if job is not None:
                return redirect("web:ledger")
        status = 400
    else:
        form = LedgerFilterForm(request.GET or None, auto_id="ledger-%s")
        if form.is_bound and not form.is_valid():
            status = 400
    jobs = KeysFirstPaginator(ledger_exports_visible_to(user), JOBS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/ledger.html", {"form": form, "jobs": jobs}, status=status)
