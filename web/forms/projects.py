"""The key-project board's filters and the task force's reports, as forms of the board and the project page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import limits
from core.people import user_name
from supervision.projects.models import MilestoneKind
from supervision.projects.selectors import MilestoneState
from supervision.projects.services import EARLIEST_YEAR, LATEST_YEAR

from .bars import BarForm


class BoardFilterForm(BarForm):
    state = forms.ChoiceField(
        label=_("With a node"), choices=[("", _("Any state")), *MilestoneState.choices], required=False
    )
    leader = forms.TypedChoiceField(label=_("Leader"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, leaders, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].choices = [("", _("Every leader"))] + [
            (leader.pk, user_name(leader)) for leader in leaders
        ]


class MilestoneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, milestone) -> str:
        return str(milestone.kind)


class PlanForm(forms.Form):
    kind = forms.ModelChoiceField(
        label=_("Node"), queryset=MilestoneKind.objects.filter(is_active=True), empty_label=None
    )
    planned_on = forms.DateField(label=_("Planned date"), widget=forms.DateInput(attrs={"type": "date"}))


class ReachForm(forms.Form):
    milestone = MilestoneChoiceField(label=_("Node"), queryset=None, empty_label=None)
    done_on = forms.DateField(label=_("Actual date"), widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(
        label=_("Internal notes"),
        required=False,
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Officials only; the enterprise does not see them. Left empty: unchanged."),
    )

    def __init__(self, *args, planned, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = planned


class InvestmentForm(forms.Form):
    month = forms.DateField(
        label=_("Month"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "month"})
    )
    amount = forms.DecimalField(label=_("Completed investment (10,000 yuan)"), max_digits=12, decimal_places=2)


class YearPlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=EARLIEST_YEAR, max_value=LATEST_YEAR)
    planned_investment = forms.DecimalField(
        label=_("Planned investment (10,000 yuan)"), max_digits=12, decimal_places=2
    )
