"""The functional groups (功能组) a case is filed under."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from enterprises.models import UnitKind


class Category(models.Model):
    """One of the seven functional groups (功能组) that sort problems by kind."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    description_zh = models.CharField(_("Chinese description"), max_length=200, blank=True)
    description_en = models.CharField(_("English description"), max_length=200, blank=True)
    default_unit_kind = models.CharField(_("default responsible unit kind"), max_length=20, choices=UnitKind.choices)
    route_to_serving_cadre = models.BooleanField(
        _("route to the serving cadre"),
        default=True,
        help_text=_("Assign new cases straight to the enterprise's 包联 cadre, who is then responsible."),
    )
    position = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def description(self) -> str:
        return self.description_en if (get_language() or "").startswith("en") else self.description_zh
