"""The ledger export's filters: the case list's query parameters, chosen on a page."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import CaseState, Category
from core import limits
from enterprises.models import Unit
from workflow.workdays import SHANGHAI

from .bars import BarForm

# Days a case can have been filed on; beyond them a date is a typing slip, not a filter.
FILING_DAYS = [MinValueValidator(date(2000, 1, 1)), MaxValueValidator(date(2999, 12, 30))]


class LedgerFilterForm(BarForm):
    """A few of the case list's filters, under its parameter names, so other pages can link here with theirs."""

    state = forms.MultipleChoiceField(
        label=gettext_lazy("State"), choices=CaseState.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    unit = forms.ModelChoiceField(label=gettext_lazy("Responsible unit"), queryset=Unit.objects.none(), required=False)
    category = forms.ModelChoiceField(label=gettext_lazy("Category"), queryset=Category.objects.none(), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    paused = forms.BooleanField(label=gettext_lazy("Paused only (挂起)"), required=False)
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
    search = forms.CharField(label=gettext_lazy("Number or title contains"), required=False, max_length=limits.SEARCH)

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
        if data.get("paused"):
            chosen["paused"] = "true"
        if data.get("filed_from"):
            chosen["filed_after"] = datetime.combine(data["filed_from"], time.min, tzinfo=SHANGHAI).isoformat()
        if data.get("filed_to"):
            end = data["filed_to"] + timedelta(days=1)
            chosen["filed_before"] = datetime.combine(end, time.min, tzinfo=SHANGHAI).isoformat()
        if data.get("search", "").strip():
            chosen["search"] = data["search"].strip()
        return chosen
