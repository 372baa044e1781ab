"""After the rating: rectifications of bad ratings (整改) and appeals of ratings (申诉). Rules in docs/ratings.md."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.models import Satisfaction

from .permissions import BAD_RATING, may_decide_appeal, may_decide_rectification, may_report_rectification


class RectificationState(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Submitted for acceptance")
    ACCEPTED = "accepted", _("Accepted")
    CANCELLED = "cancelled", _("Cancelled: the rating was appealed away")


def rectification_overdue_q(now: datetime) -> Q:
    """Rectifications not reported (or returned to the unit) past their deadline; one reported and waiting for
    a supervisor is not late."""
    return Q(state=RectificationState.OPEN, due_at__lt=now)


class Rectification(ConcurrentTransitionMixin, models.Model):
    """What the responsible unit must put right after a bad rating, within a deadline in working days.

    One per rating (a closed case is rated once). It counts against the unit and
    the cadre who answered for the case when it was rated; a supervisor of the
    jurisdiction accepts the unit's report or returns it.
    """

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="rectifications",
        db_index=False,
    )
    unit = models.ForeignKey(
        "enterprises.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="rectifications",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The cadre who answered for the case when it was rated."),
    )
    satisfaction = models.PositiveSmallIntegerField(_("rating"), choices=Satisfaction.choices)
    rated_at = models.DateTimeField(_("rated at"))
    state = FSMField(
        _("state"), max_length=20, choices=RectificationState.choices, default=RectificationState.OPEN, protected=True
    )
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
    report = models.TextField(_("report"), blank=True, help_text=_("What the unit did, as last submitted."))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, help_text=_("Of the last acceptance or return."))
    return_count = models.PositiveSmallIntegerField(_("times returned"), default=0)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["due_at", "id"]
        constraints = [
            # A rating is the case's close at ``rated_at``: a case reopened by a failed re-check is rated anew.
            models.UniqueConstraint(fields=["case", "rated_at"], name="one_rectification_per_rating"),
            models.CheckConstraint(condition=Q(satisfaction__lte=BAD_RATING), name="rectification_of_bad_rating"),
            models.CheckConstraint(
                condition=Q(state__in=["accepted", "cancelled"], closed_at__isnull=False)
                | (~Q(state__in=["accepted", "cancelled"]) & Q(closed_at__isnull=True)),
                name="rectification_closed_at_when_finished",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "state", "due_at"], name="rectification_unit_state_due"),
            models.Index(fields=["state", "due_at"], name="rectification_state_due"),
            # Every list of rectifications in its order, most urgent first: read in order, stopped at the page.
            models.Index(fields=["due_at", "id"], name="rectification_due_order"),
            # The sweep's only query: open rectifications whose next reminder has come, in the claim's order.
            models.Index(
                fields=["remind_at", "id"],
                condition=Q(state="open", remind_at__isnull=False),
                name="rectification_open_remind_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_state_display()}"

    def is_overdue(self, now: datetime | None = None) -> bool:
        """``rectification_overdue_q`` for one loaded row."""
        return self.state == RectificationState.OPEN and self.due_at < (now or timezone.now())

    @transition(
        field=state,
        source=RectificationState.OPEN,
        target=RectificationState.SUBMITTED,
        permission=may_report_rectification,  # type: ignore[arg-type]  # the stub wants a check of any user
    )
    def submit(self, *, by, report: str, at) -> None:
        """The unit's head or the assignee reports what was done; reminders pause while a supervisor looks."""
        self.report = report
        self.submitted_by = by
        self.submitted_at = at
        self.remind_at = None

    submit.alters_data = True

    @transition(
        field=state,
        source=RectificationState.SUBMITTED,
        target=RectificationState.ACCEPTED,
        permission=may_decide_rectification,  # type: ignore[arg-type]  # the stub wants a check of any user
    )
    def accept(self, *, by, note: str, at) -> None:
        """A supervisor of the jurisdiction finds the rectification done."""
        self.decided_by = by
        self.decided_at = at
        self.decision_note = note
        self.closed_at = at

    accept.alters_data = True

    @transition(
        field=state,
        source=RectificationState.SUBMITTED,
        target=RectificationState.OPEN,
        permission=may_decide_rectification,  # type: ignore[arg-type]  # the stub wants a check of any user
    )
    def send_back(self, *, by, reason: str, due_at, provisional: bool, at) -> None:
        """A supervisor returns the report as not enough; the unit works on, to the same or a new deadline.

        A new deadline starts the reminders afresh; the same one resumes them where they stopped.
        """
        self.decided_by = by
        self.decided_at = at
        self.decision_note = reason
        self.return_count += 1
        if due_at != self.due_at:
            self.due_at = due_at
            self.provisional = provisional
            self.reminder_step = 0

    send_back.alters_data = True

    @transition(
        field=state,
        source=[RectificationState.OPEN, RectificationState.SUBMITTED],
        target=RectificationState.CANCELLED,
    )
    def cancel(self, *, at) -> None:
        """An upheld appeal took the rating away, and with it the reason to rectify."""
        self.closed_at = at
        self.remind_at = None

    cancel.alters_data = True


class AppealKind(models.TextChoices):
    MISTAKEN = "mistaken", _("Mistaken rating (误评)")
    MALICIOUS = "malicious", _("Malicious rating (恶意差评)")


class AppealState(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Upheld: the rating no longer counts")
    REJECTED = "rejected", _("Rejected: the rating counts")


class Appeal(ConcurrentTransitionMixin, models.Model):
    """The responsible unit disputes a bad rating; a supervisor of the jurisdiction upholds or rejects it.

    A rating (one close of the case, ``rated_at``) is appealed once: the decision is final. The case keeps its rating
    either way (the record stays); an upheld appeal only takes it out of the rates.
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="appeals", db_index=False
    )
    unit = models.ForeignKey(
        "enterprises.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="appeals",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AppealKind.choices)
    reason = models.TextField(_("reason"))
    satisfaction = models.PositiveSmallIntegerField(_("rating appealed"), choices=Satisfaction.choices)
    rated_at = models.DateTimeField(
        _("rated at"), help_text=_("When the appealed rating was given: the close it belongs to.")
    )
    state = FSMField(
        _("state"), max_length=20, choices=AppealState.choices, default=AppealState.PENDING, protected=True
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at", "-id"]
        constraints = [
            # Also the "one pending appeal" and "a rejected appeal is not filed again" rules, under any race.
            models.UniqueConstraint(fields=["case", "rated_at"], name="one_appeal_per_rating"),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(decided_at__isnull=False), name="appeal_decided_has_decided_at"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-filed_at"], name="appeal_state_filed"),
            models.Index(fields=["unit", "state"], name="appeal_unit_state"),
            # The list's order: a page of a unit head's appeals is read in it and stops at its twenty.
            models.Index(fields=["-filed_at", "-id"], name="appeal_filed_order"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} {self.get_state_display()}"

    @transition(
        field=state,
        source=AppealState.PENDING,
        target=AppealState.UPHELD,
        permission=may_decide_appeal,  # type: ignore[arg-type]  # the stub wants a check of any user
    )
    def uphold(self, *, by, note: str, at) -> None:
        """The rating was mistaken or malicious: it stops counting in the rates."""
        self.decided_by, self.decided_at, self.decision_note = by, at, note

    uphold.alters_data = True

    @transition(
        field=state,
        source=AppealState.PENDING,
        target=AppealState.REJECTED,
        permission=may_decide_appeal,  # type: ignore[arg-type]  # the stub wants a check of any user
    )
    def reject(self, *, by, note: str, at) -> None:
        """The rating stands and keeps counting; it cannot be appealed again."""
        self.decided_by, self.decided_at, self.decision_note = by, at, note

    reject.alters_data = True
