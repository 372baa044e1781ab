"""The forms of the common problem pages (共性问题). They parse and label input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Category, ResolutionType
from core import limits
from enterprises.models import Unit


class CaseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, case: Case) -> str:
        return f"{case.number} {case.title} · {case.enterprise.name}"


class RaiseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=limits.TITLE)
    description = forms.CharField(
        label=_("Description"), max_length=limits.DESCRIPTION, widget=forms.Textarea(attrs={"rows": 4})
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(is_active=True))
    unit = forms.ModelChoiceField(
        label=_("Responsible unit"),
        queryset=Unit.objects.filter(is_active=True).order_by("name"),
        help_text=_("The unit responsible for the policy: it answers once for every linked case."),
    )
    cases = CaseChoiceField(label=_("Cases"), queryset=Case.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, candidates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = candidates


class AnswerForm(forms.Form):
    resolution_type = forms.ChoiceField(label=_("Outcome"), choices=ResolutionType.choices)
    answer = forms.CharField(
        label=_("Answer"),
        max_length=limits.REPLY,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Every linked case being worked on is resolved with this answer; each enterprise rates its own."),
    )


class CloseForm(forms.Form):
    pass


class UnlinkForm(forms.Form):
    case = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=limits.REASON)
