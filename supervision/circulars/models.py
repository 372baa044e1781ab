"""The overdue circular (督办通报): a draft a supervisor reviews, then a numbered document nobody can change."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.errors import Conflict
from enterprises.models import Unit

from .permissions import may_change_circular


class CircularState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class CircularPeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")
    DATES = "dates", _("Dates")


class CircularPublished(Conflict):
    """Any attempt to change or delete a published circular, from the API, a service, the admin or a shell."""

    default_code = "circular_published"
    default_message = _("This circular is published and can no longer be changed.")


class CircularQuerySet(models.QuerySet):
    """Bulk writes refuse published rows too, so ``update()`` and ``delete()`` cannot bypass the model's guard."""

    def update(self, **kwargs):
        if self.filter(state=CircularState.PUBLISHED).exists():
            raise CircularPublished()
        # Drafts only, also if a row was published between the check above and this statement.
        return super(CircularQuerySet, self.filter(state=CircularState.DRAFT)).update(**kwargs)

    update.alters_data = True  # type: ignore[attr-defined]  # a function attribute Django reads; the stubs do not declare it

    def delete(self):
        if self.filter(state=CircularState.PUBLISHED).exists():
            raise CircularPublished()
        return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]  # a function attribute Django reads; the stubs do not declare it


class CircularNumberSequence(models.Model):
    """The last circular number issued per year; the UPDATE's row lock makes concurrent publishes take turns."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last_value = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("circular number sequence")
        verbose_name_plural = _("circular number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"

    @classmethod
    def allocate(cls, year: int) -> int:
        """Next number of ``year``. Call inside a transaction; the UPDATE holds the row until commit."""
        cls.objects.bulk_create([cls.objects.model(year=year)], ignore_conflicts=True)
        cls.objects.filter(year=year).update(last_value=F("last_value") + 1)
        return cls.objects.values_list("last_value", flat=True).get(year=year)


class Circular(ConcurrentTransitionMixin, models.Model):
    """A circular on overdue and returned cases of one jurisdiction over one period.

    ``content`` is the snapshot of the figures taken when the draft was generated
    (or regenerated), so later changes to cases never alter a draft silently and
    never alter a published circular at all. Once published, the row is frozen:
    ``save``, ``delete`` and the queryset's bulk writes all refuse it.
    """

    state = FSMField(
        _("state"), max_length=20, choices=CircularState.choices, default=CircularState.DRAFT, protected=True
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    jurisdiction = models.ForeignKey(
        Unit,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit whose whole subtree the circular covers."),
        db_index=False,
    )
    issuing_unit = models.ForeignKey(
        Unit,
        verbose_name=_("issuing unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The supervision office that issues it."),
    )
    period_kind = models.CharField(_("period kind"), max_length=10, choices=CircularPeriodKind.choices)
    period_label = models.CharField(_("period"), max_length=30, help_text=_('"2026-11", "2026-Q4", "2026" or dates.'))
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"), help_text=_("Exclusive."))
    worst_count = models.PositiveSmallIntegerField(
        _("worst performers named per tier"), help_text=_("How many units from the bottom of each tier are named.")
    )

    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    requirements = models.TextField(_("requirements (整改要求)"), blank=True)
    unit_comments = models.JSONField(
        _("comments per unit"),
        default=dict,
        blank=True,
        help_text=_("Unit id → comment, for units the circular names."),
    )
    content = models.JSONField(_("content"), default=dict, editable=False)
    # The snapshot's headline numbers, copied apart: at a province's size a snapshot runs to megabytes, and a
    # list of circulars must not read them whole to show a number, a title and a few figures.
    summary = models.JSONField(_("summary"), default=dict, editable=False)
    generated_at = models.DateTimeField(_("figures generated at"))

    year = models.PositiveSmallIntegerField(_("year of issue"), null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(_("number in the year"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    objects = CircularQuerySet.as_manager()

    class Meta:
        verbose_name = _("circular")
        verbose_name_plural = _("circulars")
        # Drafts in progress first, then the published ones, newest first, the same on every database.
        ordering = [F("published_at").desc(nulls_first=True), "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="circular_unique_number"),
            models.CheckConstraint(
                condition=Q(state="draft", year__isnull=True, sequence__isnull=True, published_at__isnull=True)
                | Q(
                    state="published",
                    year__isnull=False,
                    sequence__isnull=False,
                    published_at__isnull=False,
                    published_by__isnull=False,
                ),
                name="circular_published_has_number",
            ),
            models.CheckConstraint(condition=Q(period_start__lt=F("period_end")), name="circular_period_ordered"),
        ]
        indexes = [
            # Everyone lists the published ones, newest first; supervisors their jurisdiction's drafts.
            models.Index(fields=["state", "-published_at"], name="circular_state_published"),
            models.Index(fields=["jurisdiction", "state", "-created_at"], name="circular_jurisdiction_state"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if (
            not self._state.adding
            and type(self)._base_manager.filter(pk=self.pk, state=CircularState.PUBLISHED).exists()
        ):
            raise CircularPublished()
        super().save(*args, **kwargs)

    save.alters_data = True  # type: ignore[attr-defined]  # a function attribute Django reads; the stubs do not declare it

    def delete(self, *args, **kwargs):
        if type(self)._base_manager.filter(pk=self.pk, state=CircularState.PUBLISHED).exists():
            raise CircularPublished()
        return super().delete(*args, **kwargs)

    delete.alters_data = True  # type: ignore[attr-defined]  # a function attribute Django reads; the stubs do not declare it

    @property
    def is_published(self) -> bool:
        return self.state == CircularState.PUBLISHED

    @transition(field=state, source=CircularState.DRAFT, target=CircularState.PUBLISHED, permission=may_change_circular)  # type: ignore[arg-type]  # the stub wants a check of any user
    def publish(self, *, year: int, sequence: int, by, at) -> None:
        """A supervisor of the jurisdiction numbers the reviewed draft (督办通报〔year〕第N期); published is final."""
        self.year, self.sequence = year, sequence
        self.published_at, self.published_by = at, by

    publish.alters_data = True
