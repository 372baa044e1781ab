"""The problem ledger (问题台账) from the browser: request it with the case list's filters, follow my jobs,
download the file when it is written. The job and the file are ``supervision.services.ledger``'s."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cases.models import CaseState, Category
from enterprises.models import Unit
from supervision.ledger import may_export_ledger
from supervision.models import LedgerExport
from supervision.services.ledger import ledger_export_request
from workflow.calendar import SHANGHAI

from ..actions import perform
from .supervision import refused

JOBS_PAGE_SIZE = 20


# Days a case can have been filed on; beyond them a date is a typing slip, not a filter.
FILING_DAYS = [MinValueValidator(date(2000, 1, 1)), MaxValueValidator(date(2999, 12, 30))]


class LedgerFilterForm(forms.Form):
    """A few of the case list's filters, under its parameter names, so other pages can link here with theirs."""

    state = forms.MultipleChoiceField(
        label=gettext_lazy("State"), choices=CaseState.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    unit = forms.ModelChoiceField(label=gettext_lazy("Responsible unit"), queryset=Unit.objects.none(), required=False)
    category = forms.ModelChoiceField(label=gettext_lazy("Category"), queryset=Category.objects.none(), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    filed_from = forms.DateField(
        label=gettext_lazy("Filed from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=FILING_DAYS,
    )
    filed_to = forms.DateField(
        label=gettext_lazy("Filed until"),
        required=False,
        validators=FILING_DAYS,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Included."),
    )
    search = forms.CharField(label=gettext_lazy("Number or title contains"), required=False, max_length=100)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("kind", "name")
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["unit"].empty_label = self.fields["category"].empty_label = _("All")

    def filters(self) -> dict:
        """The job's filters: the case list's query parameters; days are Beijing days."""
        data = self.cleaned_data
        chosen = {}
        if data.get("state"):
            chosen["state"] = data["state"]
        for name in ("unit", "category"):
            if data.get(name) is not None:
                chosen[name] = data[name].pk
        if data.get("overdue"):
            chosen["overdue"] = "true"
        if data.get("filed_from"):
            chosen["filed_after"] = datetime.combine(data["filed_from"], time.min, tzinfo=SHANGHAI).isoformat()
        if data.get("filed_to"):
            end = data["filed_to"] + timedelta(days=1)
            chosen["filed_before"] = datetime.combine(end, time.min, tzinfo=SHANGHAI).isoformat()
        if data.get("search", "").strip():
            chosen["search"] = data["search"].strip()
        return chosen


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
    jobs = Paginator(LedgerExport.objects.filter(requested_by=user), JOBS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/ledger.html", {"form": form, "jobs": jobs}, status=status)
