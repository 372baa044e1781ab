"""The forms of the joint review meeting and re-check pages. They parse and label input; the services decide.

The sub-case rows of a meeting share one ``SubCaseChoices``; their units and people are searched as one types,
so a meeting with many agenda items renders in a fixed number of queries and in a size that does not grow with
the district's people.
"""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import limits
from supervision.meetings.models import FlagKind
from supervision.rechecks.models import RecheckMethod, RecheckResult

from ..markup import DrawnSelect
from ..templatetags.casework import person
from .cases import VersionedForm
from .supervision import SearchableChoiceField

SUB_CASE_ROWS = 3
MONTHS_OFFERED = 12


class FlagForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Why the meeting"), choices=FlagKind.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("What the meeting must decide, and which departments it needs."),
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MeetingForm(forms.Form):
    """Plan a meeting: the choices are the user's jurisdictions, their leaders and their units."""

    jurisdiction = forms.TypedChoiceField(label=_("Jurisdiction"), coerce=int, widget=DrawnSelect)
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    chair = forms.TypedChoiceField(label=_("Chairing leader"), coerce=int, widget=DrawnSelect)
    participating_units = forms.TypedMultipleChoiceField(
        label=_("Participating units"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    title = forms.CharField(label=_("Title (optional)"), max_length=limits.TITLE, required=False)
    location = forms.CharField(label=_("Location (optional)"), max_length=limits.LOCATION, required=False)

    def __init__(self, *args, jurisdictions, leaders, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = [(unit.pk, unit.name) for unit in jurisdictions]
        if len(jurisdictions) == 1:
            self.fields["jurisdiction"].widget = forms.HiddenInput()
            self.fields["jurisdiction"].initial = jurisdictions[0].pk
        self.fields["chair"].choices = [("", _("Choose a leader")), *((user.pk, person(user)) for user in leaders)]
        self.fields["participating_units"].choices = [(unit.pk, unit.name) for unit in units]


class DecisionForm(forms.Form):
    decision = forms.CharField(
        label=_("Minutes (纪要)"),
        help_text=_("What the meeting decided on this case."),
        max_length=limits.MINUTES,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    decision_public = forms.BooleanField(
        label=_("Show the minutes to the enterprise"),
        required=False,
        help_text=_("Otherwise the enterprise sees only that the meeting took the case up, and the sub-cases."),
    )


@dataclass(frozen=True)
class SubCaseChoices:
    """What every sub-case row of a meeting shares: the jurisdiction's units and people to check a choice
    against, where to search them, and the units first offered."""

    units: QuerySet
    assignees: QuerySet
    units_url: str
    assignees_url: str
    offered_units: list


class SubCaseForm(forms.Form):
    """One sub-case row; a row left blank is skipped.

    The unit and the assignee are searched as one types (``web.views.lookups``): a province's meeting sends
    no list of its units and people per row, only the units taking part (enough without JavaScript, the
    assignee then being the unit's head). Whatever comes back is checked against the jurisdiction's.
    """

    unit = SearchableChoiceField(
        label=_("Responsible unit"),
        empty_label=_("Choose a unit"),
        error_messages={"invalid_choice": _("A sub-case goes to a unit within the meeting's jurisdiction.")},
    )
    assignee = SearchableChoiceField(
        label=_("Assignee (optional)"),
        label_from=person,
        empty_label=_("The unit's head"),
        required=False,
        help_text=_("Without one the unit's head receives it."),
        error_messages={"invalid_choice": _("Choose a cadre or the head of a unit within the meeting's jurisdiction.")},
    )
    title = forms.CharField(label=_("Title"), max_length=limits.TITLE)
    description = forms.CharField(
        label=_("What the unit must do"), max_length=limits.DESCRIPTION, widget=forms.Textarea(attrs={"rows": 2})
    )
    resolution_workdays = forms.IntegerField(label=_("Working days to resolve"), min_value=1, max_value=250)

    def __init__(self, *args, choices: SubCaseChoices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offered_units = choices.offered_units
        for name, queryset, search_url in (
            ("unit", choices.units, choices.units_url),
            ("assignee", choices.assignees, choices.assignees_url),
        ):
            self.fields[name].queryset = queryset
            self.fields[name].widget.search_url = search_url
        self.fields["unit"].offer(*self.offered_units)
        self.fields["assignee"].offer()

    def clean(self):
        data = super().clean()
        # A re-shown row keeps what it was sent.
        unit = data.get("unit")
        self.fields["unit"].offer(*self.offered_units, *([unit] if unit not in self.offered_units else []))
        self.fields["assignee"].offer(data.get("assignee"))
        return data


SubCaseFormSet = forms.formset_factory(SubCaseForm, extra=SUB_CASE_ROWS, max_num=SUB_CASE_ROWS, validate_max=True)


class CloseMeetingForm(forms.Form):
    notes = forms.CharField(
        label=_("General record (optional)"),
        required=False,
        max_length=limits.MINUTES,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("Yes, the meeting was held: undecided items go to the next meeting"),
        error_messages={"required": _("Confirm that the meeting was held.")},
    )


def month_choices(now: datetime) -> list[tuple[str, str]]:
    """The months that are over, last month first."""
    local = timezone.localtime(now)
    labels = []
    for back in range(1, MONTHS_OFFERED + 1):
        year, month = divmod(local.year * 12 + local.month - 1 - back, 12)
        labels.append(f"{year}-{month + 1:02d}")
    return [(label, label) for label in labels]


class DrawForm(forms.Form):
    jurisdiction = forms.TypedChoiceField(label=_("Jurisdiction"), coerce=int, widget=DrawnSelect)
    period = forms.ChoiceField(label=_("Month of the closures"))
    rate_percent = forms.IntegerField(
        label=_("Rate (%)"), min_value=1, max_value=100, help_text=_("At least one case per unit is drawn.")
    )
    seed = forms.IntegerField(
        label=_("Seed (optional)"),
        required=False,
        min_value=0,
        max_value=10**15 - 1,
        help_text=_("A number announced in advance; without one the system chooses and records it."),
    )

    def __init__(self, *args, now: datetime, jurisdictions, rate_percent: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = month_choices(now)
        self.fields["rate_percent"].initial = rate_percent
        self.fields["jurisdiction"].choices = [(unit.pk, unit.name) for unit in jurisdictions]
        if len(jurisdictions) == 1:
            self.fields["jurisdiction"].widget = forms.HiddenInput()
            self.fields["jurisdiction"].initial = jurisdictions[0].pk


class RecheckRecordForm(forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=RecheckMethod.choices, widget=forms.RadioSelect)
    method_other = forms.CharField(
        label=_("Other method"),
        max_length=limits.METHOD_OTHER,
        required=False,
        help_text=_("Name it when the method is other."),
    )
    result = forms.ChoiceField(label=_("Result"), choices=RecheckResult.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("What was found"),
        required=False,
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when it failed: the case reopens and the enterprise reads it."),
    )
