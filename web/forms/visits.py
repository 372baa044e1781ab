"""The forms of the visit pages (走访台账). They parse and label input; the visit service decides.

A visit's problems are rows of a formset: rows left empty are no problem, and the "one more problem" button
sends the form back with another empty row, so the page needs no script to grow.
"""

from datetime import datetime, time

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Category
from core import limits
from supervision.visits.models import VisitMode
from supervision.visits.services import ProblemFound
from workflow.workdays import SHANGHAI

PROBLEM_ROWS = 1


class VisitForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=None, empty_label=_("Choose an enterprise"))
    visited_on = forms.DateField(label=_("Date of the visit"), widget=forms.DateInput(attrs={"type": "date"}))
    visited_time = forms.TimeField(
        label=_("Time"), initial=time(10, 0), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    mode = forms.ChoiceField(
        label=_("Visit mode"), choices=VisitMode.choices, initial=VisitMode.ON_SITE, widget=forms.RadioSelect
    )
    met_with = forms.CharField(
        label=_("Whom you met"),
        help_text=_("Names and positions at the enterprise."),
        max_length=limits.MET_WITH,
    )
    notes = forms.CharField(
        label=_("What was discussed"),
        help_text=_("Internal: colleagues and supervisors read it, the enterprise does not."),
        max_length=limits.VISIT_NOTES,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, enterprises, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises

    def visited_at(self) -> datetime:
        """The date and time as entered, in Beijing time."""
        return datetime.combine(self.cleaned_data["visited_on"], self.cleaned_data["visited_time"], tzinfo=SHANGHAI)


class ProblemForm(forms.Form):
    """One problem found: filed as a case of the enterprise, exactly as the filing form would."""

    category = forms.ModelChoiceField(
        label=_("Functional group"),
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("Choose a group"),
    )
    title = forms.CharField(label=_("Problem"), max_length=limits.TITLE)
    description = forms.CharField(
        label=_("Description"), max_length=limits.DESCRIPTION, widget=forms.Textarea(attrs={"rows": 3})
    )

    def problem(self) -> ProblemFound:
        data = self.cleaned_data
        return ProblemFound(data["category"], data["title"], data["description"])


ProblemFormSet = forms.formset_factory(
    ProblemForm, extra=PROBLEM_ROWS, max_num=limits.VISIT_PROBLEMS, validate_max=True, absolute_max=100
)
