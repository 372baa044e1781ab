"""The forms of the circular pages: generating a draft, editing its wording, and the confirmed actions on it.

Every form that acts on a draft carries the ``version`` it was read at, so an
edit or a publication made on an older copy is refused by the service (409).
"""

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import limits
from enterprises.models import Unit
from supervision.circulars.services import DEFAULT_WORST_COUNT, MAX_WORST_COUNT

from ..markup import DrawnSelect
from .bars import BarForm
from .supervision import period_choices


class CircularCreateForm(BarForm):
    period = forms.ChoiceField(label=_("Period"), help_text=_("A month, a quarter or a year."), widget=DrawnSelect)
    worst_count = forms.IntegerField(
        label=_("Lowest ranked units named per tier"),
        min_value=1,
        max_value=MAX_WORST_COUNT,
        initial=DEFAULT_WORST_COUNT,
    )
    jurisdiction = forms.TypedChoiceField(label=_("Jurisdiction"), coerce=int)

    def __init__(self, data=None, *, now: datetime, jurisdictions: list[Unit]) -> None:
        super().__init__(data, auto_id="circular-%s")
        self.jurisdictions = {unit.pk: unit for unit in jurisdictions}
        self.fields["period"].choices = period_choices(now)
        local = timezone.localtime(now)
        self.fields["period"].initial = f"{local.year}-{local.month:02d}"
        if len(jurisdictions) > 1:
            self.fields["jurisdiction"].choices = [(unit.pk, unit.name) for unit in jurisdictions]
        else:
            # One jurisdiction (the view reads none then): the service takes it; nothing to choose.
            del self.fields["jurisdiction"]

    def chosen_jurisdiction(self) -> Unit | None:
        return self.jurisdictions.get(self.cleaned_data.get("jurisdiction"))


class CircularEditForm(forms.Form):
    """The wording of a draft and a comment per unit it names; an empty comment removes one."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=limits.TITLE)
    introduction = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=limits.CIRCULAR_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    requirements = forms.CharField(
        label=_("Requirements (整改要求)"),
        required=False,
        max_length=limits.CIRCULAR_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, data=None, *, circular, named: dict[int, str]) -> None:
        initial = {
            "version": circular.version,
            "title": circular.title,
            "introduction": circular.introduction,
            "requirements": circular.requirements,
        }
        super().__init__(data, initial=initial, auto_id="edit-%s")
        self.named = named
        for unit_id, name in named.items():
            self.fields[f"comment_{unit_id}"] = forms.CharField(
                label=_("Comment on %(unit)s") % {"unit": name},
                required=False,
                max_length=limits.NOTE,
                initial=circular.unit_comments.get(str(unit_id), ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def unit_comments(self) -> dict[str, str]:
        return {str(unit_id): self.cleaned_data.get(f"comment_{unit_id}", "") for unit_id in self.named}


class CircularActionForm(forms.Form):
    """Regenerating takes the figures anew; it carries the version the page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmedActionForm(CircularActionForm):
    """Publishing and deleting cannot be undone: the box must be ticked, with or without JavaScript."""

    confirm = forms.BooleanField(required=True)

    def __init__(self, *args, confirm_label: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = confirm_label
