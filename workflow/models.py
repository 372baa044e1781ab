"""Workflow state around cases: the editable calendar, deadline policies, clocks, extension requests and pauses."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.models import Complexity

from .permissions import may_decide_extension_request, may_decide_pause


class CalendarDay(models.Model):
    """One day whose status an administrator set, over the library's schedule and the statutory estimate.

    ``import_holidays`` writes the holidays and make-up working days (调休) of a
    year the library does not cover yet; a single correction can also be
    entered in the admin.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"), help_text=_("Ticked for a make-up working day, unticked for a holiday.")
    )
    name = models.CharField(_("holiday"), max_length=50, help_text=_("The holiday it belongs to, e.g. 春节."))
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("The notice it comes from, e.g. 国办发明电〔2025〕7号.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class CalendarYear(models.Model):
    """A year whose official schedule was entered, so its deadlines are no longer provisional."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("The State Council notice, e.g. 国办发明电〔2025〕7号.")
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class DeadlinePolicy(models.Model):
    """How many working days each clock of a case runs, per category and complexity.

    A row without a category is the default for every category. The defaults
    follow Henan's "13710" practice: 1 day to route and sign for, 3 days to a
    first reply, 7 days to solve an ordinary problem, 20 a complex one.
    """

    category = models.ForeignKey(
        "cases.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_policies",
        help_text=_("Empty: the default for every category without its own policy."),
        db_index=False,
    )
    complexity = models.CharField(_("complexity"), max_length=20, choices=Complexity.choices)
    response_workdays = models.PositiveSmallIntegerField(
        _("working days to route and sign for"), default=1, validators=[MinValueValidator(1)]
    )
    first_reply_workdays = models.PositiveSmallIntegerField(
        _("working days to a first reply"), default=3, validators=[MinValueValidator(1)]
    )
    resolution_workdays = models.PositiveSmallIntegerField(
        _("working days to resolve"), default=7, validators=[MinValueValidator(1)]
    )
    reopen_workdays = models.PositiveSmallIntegerField(
        _("working days to resolve after a reopen"), default=5, validators=[MinValueValidator(1)]
    )
    confirmation_workdays = models.PositiveSmallIntegerField(
        _("working days for the enterprise to confirm"), default=5, validators=[MinValueValidator(1)]
    )
    max_extensions = models.PositiveSmallIntegerField(_("extensions allowed"), default=2)
    unit_head_decides_extensions = models.BooleanField(
        _("unit head may decide extensions"),
        default=False,
        help_text=_("Otherwise only supervisors approve or reject extension requests."),
    )

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["category__position", "complexity"]
        constraints = [
            models.UniqueConstraint(fields=["category", "complexity"], name="one_policy_per_category_complexity"),
            models.UniqueConstraint(
                fields=["complexity"], condition=Q(category__isnull=True), name="one_default_policy_per_complexity"
            ),
        ]

    def __str__(self) -> str:
        category = self.category.name if self.category else _("all categories")
        return f"{category} · {self.get_complexity_display()}"

    @classmethod
    def for_case(cls, case) -> "DeadlinePolicy":
        """The category's own policy for the case's complexity, else the default one, else built-in defaults."""
        policy = (
            cls.objects.filter(Q(category_id=case.category_id) | Q(category__isnull=True))
            .filter(complexity=case.complexity)
            .order_by(F("category_id").asc(nulls_last=True))
            .first()
        )
        return policy or cls(complexity=case.complexity)


class ClockKind(models.TextChoices):
    ROUTING = "routing", _("Routing")
    RESPONSE = "response", _("Response")
    FIRST_REPLY = "first_reply", _("First reply")
    RESOLUTION = "resolution", _("Resolution")
    CONFIRMATION = "confirmation", _("Confirmation")


class ClockOutcome(models.TextChoices):
    MET = "met", _("Met")
    SENT_BACK = "sent_back", _("Sent back")
    REASSIGNED = "reassigned", _("Reassigned")
    EXTENDED = "extended", _("Extended")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    EXPIRED = "expired", _("Expired")
    RECOMPUTED = "recomputed", _("Recomputed")
    PAUSED = "paused", _("Paused")
    MERGED = "merged", _("Merged into another case")


class DeadlineCycle(models.Model):
    """One run of one clock of a case, from what started it to how it ended.

    Kept for every run, so a breach stays a breach after the case is reassigned,
    extended or reopened: statistics read these rows, not the case's current
    deadlines. ``breached`` is set when the clock ends late, or by the sweep as
    soon as an open clock passes its due time.
    """

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="cycles")
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    started_by = models.CharField(_("started by"), max_length=20, help_text=_("The action that started it."))
    started_at = models.DateTimeField(_("started at"))
    workdays = models.PositiveSmallIntegerField(_("working days"))
    due_at = models.DateTimeField(_("due at"))
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_(
            "Counted over a year without an official holiday schedule: its statutory holidays are estimated, "
            "without make-up working days."
        ),
    )
    due_fixed = models.BooleanField(
        _("due time set by hand"),
        default=False,
        help_text=_("Set by the dispatcher or an approved extension: a new holiday schedule does not move it."),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # No index of its own: ``cycle_unit_kind_started`` leads with the unit, and every index more is one more
    # entry written each time the sweep moves a running clock's reminder.
    unit = models.ForeignKey(
        "enterprises.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=ClockOutcome.choices, blank=True)
    breached = models.BooleanField(_("breached"), default=False)
    reminder_step = models.PositiveSmallIntegerField(
        _("reminder steps done"), default=0, help_text=_("How far up its reminder ladder this clock has gone.")
    )
    remind_at = models.DateTimeField(
        _("next reminder at"), null=True, blank=True, help_text=_("Empty when the ladder is done.")
    )
    urged_at = models.DateTimeField(
        _("urging first changed at"),
        null=True,
        blank=True,
        help_text=_(
            "When the case's urging level first changed while this clock ran, by a supervisor or by the sweep: "
            "the sweep urges a clock automatically only while this is empty."
        ),
    )

    class Meta:
        verbose_name = _("deadline cycle")
        verbose_name_plural = _("deadline cycles")
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(ended_at__isnull=True), name="one_running_clock_per_kind"
            )
        ]
        indexes = [
            # The sweep reads running clocks by due time; ended rows never enter the index.
            models.Index(fields=["kind", "due_at"], condition=Q(ended_at__isnull=True), name="cycle_running_due"),
            # The sweep's only query over all clocks: those whose next reminder is due, in the claim's order.
            # Reminders fall due together (the next working morning): with the id in the index a batch is read
            # in order and stops at its size, instead of sorting every clock due at that moment.
            models.Index(
                fields=["remind_at", "id"],
                condition=Q(ended_at__isnull=True, remind_at__isnull=False),
                name="cycle_running_remind_at",
            ),
            models.Index(fields=["unit", "kind", "started_at"], name="cycle_unit_kind_started"),
            models.Index(
                fields=["provisional"],
                condition=Q(provisional=True, ended_at__isnull=True),
                name="cycle_running_provisional",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} → {self.due_at:%Y-%m-%d %H:%M}"


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    LAPSED = "lapsed", _("Lapsed: the case moved on before a decision")


class ExtensionRequest(ConcurrentTransitionMixin, models.Model):
    """A cadre asks for more time to resolve (延期); a supervisor, or the unit head where allowed, decides."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    current_due_at = models.DateTimeField(_("deadline when asked"))
    requested_due_at = models.DateTimeField(_("requested deadline"))
    state = FSMField(
        _("state"), max_length=20, choices=ExtensionState.choices, default=ExtensionState.PENDING, protected=True
    )
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
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="pending"), name="one_pending_extension_per_case"
            )
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="extension_state_created"),
            # The API's list in its order, newest first: read in order and stopped at the page, each case's gate
            # answered from its index (cases migration 0018), not every request of a unit's cases sorted.
            models.Index(fields=["-created_at", "-id"], name="extension_created_order"),
            # The desk's decisions of the last month in their order, the same way.
            models.Index(
                fields=["-decided_at", "-id"],
                condition=Q(state__in=[ExtensionState.APPROVED, ExtensionState.REJECTED]),
                name="extension_decided_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_state_display()}"

    @cached_property
    def policy(self) -> DeadlinePolicy:
        """The deadline policy of the request's case: how many extensions it allows, who decides them."""
        return DeadlinePolicy.for_case(self.case)

    @transition(
        field=state,
        source=ExtensionState.PENDING,
        target=ExtensionState.APPROVED,
        permission=may_decide_extension_request,  # type: ignore[arg-type]  # the stub wants a check of any user
    )
    def approve(self, *, by, note: str, at) -> None:
        """A supervisor of the jurisdiction, or the unit's head where the policy lets them, grants the new deadline."""
        self.decided_by, self.decided_at, self.decision_note = by, at, note

    approve.alters_data = True

    @transition(
        field=state,
        source=ExtensionState.PENDING,
        target=ExtensionState.REJECTED,
        permission=may_decide_extension_request,  # type: ignore[arg-type]  # the stub wants a check of any user
    )
    def reject(self, *, by, note: str, at) -> None:
        """The same deciders refuse, saying why; the deadline stands."""
        self.decided_by, self.decided_at, self.decision_note = by, at, note

    reject.alters_data = True

    @transition(field=state, source=ExtensionState.PENDING, target=ExtensionState.LAPSED)
    def lapse(self, *, at) -> None:
        """Nobody decided before the case was resolved, sent back, closed or reassigned: the request is moot."""
        self.decided_at = at

    lapse.alters_data = True


class PauseState(models.TextChoices):
    REQUESTED = "requested", _("Waiting for a supervisor's approval")
    RUNNING = "running", _("Paused")
    ENDED = "ended", _("Ended")
    REJECTED = "rejected", _("Rejected")
    LAPSED = "lapsed", _("Lapsed: the case moved on before a decision")


class PauseEnd(models.TextChoices):
    """What ended a pause."""

    OFFICIAL = "official", _("Resumed by the assignee or the unit's head")
    ENTERPRISE_REPLY = "enterprise_reply", _("The enterprise replied")
    ENTERPRISE_UPLOAD = "enterprise_upload", _("The enterprise uploaded a file")
    EXPECTED_DATE = "expected_date", _("The expected date passed")
    RESOLVED = "resolved", _("The case was resolved")
    REASSIGNED = "reassigned", _("The case went to another unit")
    SENT_BACK = "sent_back", _("The case was sent back")
    WITHDRAWN = "withdrawn", _("The enterprise withdrew the case")
    MERGED = "merged", _("The case was merged into another")


class ClockPause(ConcurrentTransitionMixin, models.Model):
    """A pause of a case's resolution clock (挂起) while it waits for the enterprise's material or an outside
    precondition: what is asked, until when, who paused it, and how it ended (docs/deadlines.md).

    Within the limits (``HUIYIN["PAUSE_MAX_COUNT"]`` pauses, ``HUIYIN["PAUSE_MAX_WORKDAYS"]`` paused working days
    per case) it is created running; beyond them it is created requested and runs once a supervisor approves.
    The clock's own history stays in ``DeadlineCycle``: the cycle the pause ended ("paused") and the one the
    resume started (``started_by="resume"``) are linked here. ``reason`` is internal; ``needed`` and the
    expected date are what the enterprise is told.
    """

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="pauses")
    state = FSMField(_("state"), max_length=20, choices=PauseState.choices, protected=True)
    needed = models.TextField(
        _("what is needed"), help_text=_("What the enterprise must supply; the enterprise reads it.")
    )
    reason = models.TextField(_("reason"), help_text=_("Why the clock stops; officials only."))
    expected_date = models.DateField(_("expected date"), help_text=_("The working day by which it should come."))
    due_at = models.DateTimeField(
        _("paused until"), help_text=_("The end of working hours on the expected date: then the clock runs again.")
    )
    planned_workdays = models.PositiveSmallIntegerField(
        _("planned working days"), help_text=_("Working days from the request to the expected date.")
    )
    needs_approval = models.BooleanField(
        _("beyond the limits"), default=False, help_text=_("A supervisor had to approve it.")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
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
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    workdays_left = models.PositiveSmallIntegerField(
        _("working days left"),
        null=True,
        blank=True,
        help_text=_(
            "What the resolution clock had left when it stopped (at least one): the resumed clock runs as long."
        ),
    )
    paused_cycle = models.ForeignKey(
        DeadlineCycle,
        verbose_name=_("paused clock"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resumed_cycle = models.ForeignKey(
        DeadlineCycle,
        verbose_name=_("resumed clock"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system ended it: the expected date passed."),
    )
    ended_how = models.CharField(_("ended how"), max_length=20, choices=PauseEnd.choices, blank=True)
    workdays_paused = models.PositiveSmallIntegerField(
        _("working days paused"), null=True, blank=True, help_text=_("Set when it ends.")
    )
    reminder_step = models.PositiveSmallIntegerField(_("reminder steps done"), default=0)
    remind_at = models.DateTimeField(
        _("next reminder at"), null=True, blank=True, help_text=_("Empty while nothing is to be reminded.")
    )

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state__in=["requested", "running"]), name="one_open_pause_per_case"
            ),
            models.CheckConstraint(
                condition=~Q(state="running") | Q(paused_at__isnull=False, workdays_left__isnull=False),
                name="pause_running_has_start",
            ),
        ]
        indexes = [
            # The pauses' ladder reads only running pauses whose reminder is due, in the claim's order.
            models.Index(
                fields=["remind_at", "id"],
                condition=Q(state="running", remind_at__isnull=False),
                name="pause_running_remind_at",
            ),
            # The sweep resumes running pauses whose expected date has passed.
            models.Index(fields=["due_at"], condition=Q(state="running"), name="pause_running_due"),
            models.Index(fields=["state", "requested_at"], name="pause_state_requested"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_state_display()} → {self.expected_date:%Y-%m-%d}"

    @transition(
        field=state,
        source=PauseState.REQUESTED,
        target=PauseState.RUNNING,
        conditions=[lambda pause: not pause.needs_approval],  # type: ignore[attr-defined]  # django-fsm types a condition as taking any model
    )
    def begin(self, *, at, workdays_left: int, cycle) -> None:
        """Within the limits a pause runs as soon as the assignee asks for it; ``cycle`` is the clock it stopped."""
        self.paused_at, self.workdays_left, self.paused_cycle = at, workdays_left, cycle

    begin.alters_data = True

    @transition(
        field=state,
        source=PauseState.REQUESTED,
        target=PauseState.RUNNING,
        conditions=[lambda pause: pause.needs_approval],  # type: ignore[attr-defined]  # django-fsm types a condition as taking any model
        permission=may_decide_pause,  # type: ignore[arg-type]  # the stub wants a check of any user
    )
    def approve(self, *, by, note: str, at, workdays_left: int, cycle) -> None:
        """A supervisor whose jurisdiction covers the case lets a pause beyond the limits run: from now on."""
        self.decided_by, self.decided_at, self.decision_note = by, at, note
        self.paused_at, self.workdays_left, self.paused_cycle = at, workdays_left, cycle

    approve.alters_data = True

    @transition(field=state, source=PauseState.REQUESTED, target=PauseState.REJECTED, permission=may_decide_pause)  # type: ignore[arg-type]  # the stub wants a check of any user
    def reject(self, *, by, note: str, at) -> None:
        """A supervisor refuses a pause beyond the limits, with a note: the clock keeps running."""
        self.decided_by, self.decided_at, self.decision_note = by, at, note

    reject.alters_data = True

    @transition(field=state, source=PauseState.REQUESTED, target=PauseState.LAPSED)
    def lapse(self, *, at) -> None:
        """A request nobody decided is moot once the case is resolved, sent back, closed or someone else's."""
        self.decided_at = at

    lapse.alters_data = True

    @transition(field=state, source=PauseState.RUNNING, target=PauseState.ENDED)
    def end(self, *, by, how: str, at, workdays_paused: int, cycle) -> None:
        """The pause ends: the clock runs again (``cycle``), or the case left the unit's hands with it stopped."""
        self.ended_by, self.ended_how, self.ended_at = by, how, at
        self.workdays_paused, self.resumed_cycle = workdays_paused, cycle
        self.remind_at = None

    end.alters_data = True
