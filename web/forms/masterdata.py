"""The master-data upload: a workbook and whether what it leaves out is deactivated."""

from django import forms
from django.utils.translation import gettext_lazy as _


class MasterDataUploadForm(forms.Form):
    workbook = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    deactivate_missing = forms.BooleanField(
        label=_("Deactivate what the workbook leaves out"),
        required=False,
        help_text=_(
            "Units, enterprises, people and key projects in Huiyin but not in the workbook are marked inactive, "
            "and their 包保 periods end. Without this they are only listed."
        ),
    )
