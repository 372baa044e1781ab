"""The forms of the rectification and appeal pages; the services check again everything these ask for."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import limits
from supervision.ratings.models import AppealKind, AppealState, RectificationState

from ..markup import DrawnSelect
from .bars import BarForm

ANY = [("", _("All"))]


class RectificationFilterForm(BarForm):
    state = forms.ChoiceField(
        label=_("State"), choices=ANY + RectificationState.choices, required=False, widget=DrawnSelect
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class AppealFilterForm(BarForm):
    state = forms.ChoiceField(label=_("State"), choices=ANY + AppealState.choices, required=False)


class SubmitReportForm(forms.Form):
    report = forms.CharField(
        label=_("What was done"),
        max_length=limits.REPORT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The supervisors read it before accepting the rectification."),
    )


class AcceptRectificationForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=limits.NOTE, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnRectificationForm(forms.Form):
    reason = forms.CharField(
        label=_("What is still missing"), max_length=limits.REASON, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_date = forms.DateField(
        label=_("New deadline (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A working day; without it the deadline stays."),
    )


class AppealForm(forms.Form):
    case = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=limits.MAX_ID)
    kind = forms.ChoiceField(label=_("The rating is"), choices=AppealKind.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Why it should not count"), max_length=limits.REASON, widget=forms.Textarea(attrs={"rows": 3})
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("uphold", _("Uphold")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Reason for the decision"),
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The unit reads it."),
    )
