"""The forms of the supervision pages: filters read from the query string, and the urging and decision forms.

Filter fields carry the API's parameter names, so a page's query string also
serves the .xlsx export of the same list.
"""

from datetime import date, datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Category, UrgingLevel
from core import limits
from core.errors import InvalidInput
from enterprises.models import Unit
from enterprises.selectors import enterprises_visible_to, officials_assignable
from supervision.rates.figures import CASE_FIGURES, ENTERPRISE_FIGURES, SCORED
from supervision.rates.periods import Period, period_of_month, period_parse
from supervision.rates.selectors import By, EnterprisePart, Part

from ..templatetags.casework import person
from .bars import BarForm
from .cases import SearchableSelect

User = get_user_model()

ALL = _("All")
ANY = [("", ALL)]


class SearchableChoiceField(forms.ModelChoiceField):
    """One row of thousands (an enterprise, a person), chosen with a search box: the page sends only the row
    chosen, the search (``web.views.lookups``) the rest; whatever comes back is checked against ``queryset``."""

    def __init__(self, *, search_url: str = "", label_from=str, empty_label=ALL, **kwargs) -> None:
        super().__init__(
            queryset=None, widget=SearchableSelect(search_url=search_url), empty_label=empty_label, **kwargs
        )
        self.label_from = label_from

    def label_from_instance(self, obj) -> str:
        return self.label_from(obj)

    def offer(self, *rows) -> None:
        """Show only the empty choice ("All" for a filter) and the given rows (those not None), never the whole
        queryset."""
        offered = [(row.pk, self.label_from_instance(row)) for row in rows if row is not None]
        self.widget.choices = [("", self.empty_label), *offered]


class OverdueFilterForm(BarForm):
    unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none(), required=False)
    assignee = SearchableChoiceField(
        label=_("Assignee"), search_url=reverse_lazy("web:lookup-people"), label_from=person, required=False
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    enterprise = SearchableChoiceField(
        label=_("Enterprise"), search_url=reverse_lazy("web:lookup-enterprises"), required=False
    )
    min_workdays = forms.IntegerField(
        label=_("At least working days overdue"), min_value=1, max_value=1000, required=False
    )
    urging_level = forms.TypedChoiceField(
        label=_("Urging level"), choices=ANY + UrgingLevel.choices, coerce=int, empty_value=None, required=False
    )

    def __init__(self, data, *, user, scope: frozenset[int] | None) -> None:
        super().__init__(data)
        units = Unit.objects.filter(is_active=True).order_by("kind", "name")
        if scope is not None:
            units = units.filter(pk__in=scope)
        for name in ("unit", "category"):
            self.fields[name].empty_label = _("All")
        self.fields["unit"].queryset = units
        self.fields["assignee"].queryset = officials_assignable(scope=scope)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["enterprise"].queryset = enterprises_visible_to(user).select_related(None).prefetch_related(None)
        for name in ("assignee", "enterprise"):
            self.fields[name].offer(None)

    def filters(self) -> dict:
        """The keyword filters of ``overdue_cases`` (``supervision.overdue.selectors``); none when the form is unbound
        or invalid."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        for name in ("assignee", "enterprise"):
            self.fields[name].offer(data.get(name))
        chosen = {name: data.get(name) for name in ("unit", "assignee", "category", "enterprise")}
        return {
            **{name: value.pk for name, value in chosen.items() if value is not None},
            **{name: data[name] for name in ("min_workdays", "urging_level") if data.get(name) is not None},
        }


class UrgeForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Urging level"), choices=UrgingLevel.choices, coerce=int)
    note = forms.CharField(
        label=_("Note"),
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the level changes; the people urged read it."),
    )
    answer_due = forms.DateField(
        label=_("Answer due by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required when raising the level: the end of that working day, Beijing time."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        level, due = data.get("level"), data.get("answer_due")
        previous = self.initial.get("current_level", UrgingLevel.NONE)
        if level is not None and level > previous and due is None:
            self.add_error("answer_due", _("Say by when the next answer is due."))
        return data

    def answer_due_at(self, calendar) -> datetime | None:
        due: date | None = self.cleaned_data.get("answer_due")
        return calendar.end_of_day(due) if due else None


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to reject; the cadre reads it."),
    )


CHART_FIGURES = ("score", *SCORED)


def period_choices(now: datetime) -> list[tuple[str, str]]:
    """The last two years' months, the last eight quarters and the last three years, newest first."""
    local = timezone.localtime(now)
    months, quarters = [], []
    for back in range(24):
        year, month = divmod(local.year * 12 + local.month - 1 - back, 12)
        months.append(f"{year}-{month + 1:02d}")
    for back in range(8):
        year, quarter = divmod(local.year * 4 + (local.month - 1) // 3 - back, 4)
        quarters.append(f"{year}-Q{quarter + 1}")
    years = [str(local.year - back) for back in range(3)]
    return [
        (_("Months"), [(label, label) for label in months]),
        (_("Quarters"), [(label, label) for label in quarters]),
        (_("Years"), [(label, label) for label in years]),
    ]


class RatesForm(BarForm):
    period = forms.ChoiceField(label=_("Period"), required=False)
    by = forms.ChoiceField(
        label=_("Rank"), choices=[(By.UNIT, _("By unit")), (By.CADRE, _("By cadre"))], required=False
    )
    chart = forms.ChoiceField(label=_("Bars show"), required=False)

    def __init__(self, data, *, now: datetime, figure_names: dict[str, str]) -> None:
        super().__init__(data)
        self.now = now
        self.fields["period"].choices = period_choices(now)
        self.fields["chart"].choices = [(name, figure_names[name]) for name in CHART_FIGURES]

    def choice(self) -> tuple[Period, By, str]:
        """Period, table and bar figure chosen, or this month, by unit and the score."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = period_parse(data["period"]) if data.get("period") else period_of_month(self.now)
        return period, By(data.get("by") or By.UNIT), data.get("chart") or "score"


class FigureForm(forms.Form):
    """The figure a drill-down lists: the drill-down API's parameters."""

    period = forms.CharField(label=_("Period"))
    metric = forms.ChoiceField(label=_("Figure"), choices=[(name, name) for name in CASE_FIGURES])
    part = forms.ChoiceField(label=_("Part"), choices=[(part.value, part.value) for part in Part], required=False)
    unit = forms.IntegerField(label=_("Unit"), required=False, min_value=1, max_value=limits.MAX_ID)
    cadre = forms.IntegerField(label=_("Cadre"), required=False, min_value=1, max_value=limits.MAX_ID)

    def clean_period(self) -> Period:
        try:
            return period_parse(self.cleaned_data["period"])
        except InvalidInput as refusal:
            raise ValidationError(refusal.message, code=refusal.code) from None


class EnterpriseFigureForm(FigureForm):
    """The figure of enterprises a drill-down lists: visited (numerator), served (denominator), or not visited."""

    metric = forms.ChoiceField(label=_("Figure"), choices=[(name, name) for name in ENTERPRISE_FIGURES])
    part = forms.ChoiceField(
        label=_("Part"), choices=[(part.value, part.value) for part in EnterprisePart], required=False
    )
