"""Forms drawn as a bar of fields in one row (a list's filters, a circular's period): their labels stand without
the colon that a form of stacked fields writes after each."""

from django import forms


class BarForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
