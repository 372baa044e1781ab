"""A common problem (共性问题) and the cases it answers. Rules in docs/common-problems.md."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.models import ResolutionType

from .permissions import may_answer, may_manage


class CommonProblemState(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class CommonProblem(ConcurrentTransitionMixin, models.Model):
    """A policy-level, mechanism-level or widespread problem (政策性、机制性、普遍性问题) that several enterprises
    raised, taken up once by the unit that owns the policy.

    Its answer resolves every linked case through the case's own resolve transition, so each enterprise
    confirms and rates its own case. It has its own deadline in working days, counted from when it was
    raised, and its own reminder ladder (``reminders.py``).
    """

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="common_problems"
    )
    unit = models.ForeignKey(
        "enterprises.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="common_problems",
        help_text=_("The unit responsible for the policy: its heads and cadres answer."),
        db_index=False,
    )
    state = FSMField(
        _("state"), max_length=20, choices=CommonProblemState.choices, default=CommonProblemState.OPEN, protected=True
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_(
            "Counted over a year without an official holiday schedule: its statutory holidays are estimated, "
            "without make-up working days."
        ),
    )
    reminder_step = models.PositiveSmallIntegerField(_("reminder steps done"), default=0)
    remind_at = models.DateTimeField(
        _("next reminder at"), null=True, blank=True, help_text=_("Empty while nothing is to be reminded.")
    )
    resolution_type = models.CharField(_("resolution type"), max_length=20, choices=ResolutionType.choices, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("cases"), through="CommonProblemLink", related_name="common_problems"
    )

    class Meta:
        verbose_name = _("common problem")
        verbose_name_plural = _("common problems")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=CommonProblemState.OPEN)
                | (Q(answered_at__isnull=False) & ~Q(answer="") & ~Q(resolution_type="")),
                name="common_problem_answered_has_answer",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="common_problem_state_due"),
            models.Index(fields=["unit", "state"], name="common_problem_unit_state"),
            models.Index(
                fields=["remind_at", "id"], condition=Q(remind_at__isnull=False), name="common_problem_remind"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @transition(field=state, source=CommonProblemState.OPEN, target=CommonProblemState.OPEN, permission=may_manage)  # type: ignore[arg-type]  # the stub wants a check of any user
    def assign(self, *, unit) -> None:
        """Another unit owns the policy: it answers from now on, by the same deadline."""
        self.unit = unit

    assign.alters_data = True

    @transition(field=state, source=CommonProblemState.OPEN, target=CommonProblemState.ANSWERED, permission=may_answer)  # type: ignore[arg-type]  # the stub wants a check of any user
    def give_answer(self, *, resolution_type: str, answer: str, by, at) -> None:
        """The unit answers once; the service resolves every linked case with this answer."""
        self.resolution_type = resolution_type
        self.answer = answer
        self.answered_by = by
        self.answered_at = at
        self.remind_at = None

    give_answer.alters_data = True

    @transition(
        field=state,
        source=CommonProblemState.ANSWERED,
        target=CommonProblemState.CLOSED,
        permission=may_manage,  # type: ignore[arg-type]  # the stub wants a check of any user
    )
    def close(self, *, at) -> None:
        """Crossed off (销号) by a dispatcher or supervisor once answered; each case is still confirmed by its
        own enterprise."""
        self.closed_at = at

    close.alters_data = True


class CommonProblemLink(models.Model):
    """A case answered by a common problem. A case is linked to one common problem at most."""

    problem = models.ForeignKey(
        CommonProblem, verbose_name=_("common problem"), on_delete=models.CASCADE, related_name="links"
    )
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="common_problem_link"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("linked by"), on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now)

    class Meta:
        verbose_name = _("linked case")
        verbose_name_plural = _("linked cases")
        ordering = ["linked_at", "id"]

    def __str__(self) -> str:
        return f"{self.problem_id} ← {self.case_id}"
