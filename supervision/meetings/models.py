"""The joint review meeting (联审会办会): "small at once, big together" (小事随时解决、大事集中会办).

A case that needs a leader's decision or several departments is flagged with a
reason; a meeting of a jurisdiction takes the pending flags onto its agenda, in
order; for each item the meeting records its decision (会议纪要) and the
sub-cases it assigns to units. Items left undecided when the meeting closes
roll over to the next one. Rules: docs/meetings.md.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.models import Case
from enterprises.models import Unit

from .permissions import may_decide_item, may_run_meeting, may_withdraw_flag


class FlagKind(models.TextChoices):
    LEADER_DECISION = "leader_decision", _("Needs a leader's decision")
    SEVERAL_DEPARTMENTS = "several_departments", _("Needs several departments")


class FlagState(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MeetingFlag(ConcurrentTransitionMixin, models.Model):
    """A request to take a case to the joint review meeting (大事集中会办); pending until decided or withdrawn."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="meeting_flags")
    kind = models.CharField(_("kind"), max_length=30, choices=FlagKind.choices)
    reason = models.TextField(_("reason"))
    state = FSMField(_("state"), max_length=20, choices=FlagState.choices, default=FlagState.PENDING, protected=True)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("flagged by"), on_delete=models.PROTECT, related_name="+"
    )
    flagged_at = models.DateTimeField(_("flagged at"), default=timezone.now)
    times_deferred = models.PositiveSmallIntegerField(
        _("times deferred"), default=0, help_text=_("Meetings that closed without deciding it.")
    )
    deferred_from = models.ForeignKey(
        "Meeting",
        verbose_name=_("last deferred by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The last meeting that closed without deciding it."),
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_note = models.TextField(_("withdrawal note"), blank=True)

    class Meta:
        verbose_name = _("joint review flag")
        verbose_name_plural = _("joint review flags")
        ordering = ["flagged_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="pending"), name="one_pending_meeting_flag_per_case"
            ),
            models.CheckConstraint(
                condition=~Q(state="withdrawn") | Q(withdrawn_at__isnull=False),
                name="meeting_flag_withdrawn_has_time",
            ),
        ]
        # The flag queue reads pending flags only; the pool (the meetings page's and the one a new meeting takes)
        # reads them deferred ones first, a page of them in order at a province's scale.
        indexes = [
            models.Index(fields=["flagged_at"], condition=Q(state="pending"), name="meeting_flag_pending"),
            models.Index(
                F("times_deferred").desc(), "flagged_at", "id", condition=Q(state="pending"), name="meeting_flag_pool"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.get_kind_display()} · {self.get_state_display()}"

    @transition(field=state, source=FlagState.PENDING, target=FlagState.WITHDRAWN, permission=may_withdraw_flag)  # type: ignore[arg-type]  # the stub wants a check of any user
    def withdraw(self, *, by, note: str, at) -> None:
        """A supervisor whose jurisdiction covers the case takes it off the meeting's list, saying why."""
        self.withdrawn_by, self.withdrawn_at, self.withdrawal_note = by, at, note

    withdraw.alters_data = True

    @transition(field=state, source=FlagState.PENDING, target=FlagState.DECIDED)
    def decide(self) -> None:
        """The meeting decided the case's item on its agenda (``AgendaItem.decide``, where the permission is)."""

    decide.alters_data = True


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")


class Meeting(ConcurrentTransitionMixin, models.Model):
    """One joint review meeting of a jurisdiction, chaired by a leader, with the units taking part."""

    jurisdiction = models.ForeignKey(
        Unit,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="joint_meetings",
        db_index=False,
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    held_on = models.DateField(_("date"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("chairing leader"), on_delete=models.PROTECT, related_name="+"
    )
    participating_units = models.ManyToManyField(
        Unit, verbose_name=_("participating units"), related_name="joint_meetings_attended", blank=True
    )
    state = FSMField(
        _("state"), max_length=20, choices=MeetingState.choices, default=MeetingState.PLANNED, protected=True
    )
    notes = models.TextField(_("notes"), blank=True, help_text=_("The meeting's general record, for officials."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("joint review meeting")
        verbose_name_plural = _("joint review meetings")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="held") | Q(closed_at__isnull=False), name="meeting_held_has_closed_at"
            ),
        ]
        indexes = [models.Index(fields=["jurisdiction", "state", "held_on"], name="meeting_jurisdiction_state")]

    def __str__(self) -> str:
        return self.title or f"{self.held_on:%Y-%m-%d}"

    @transition(field=state, source=MeetingState.PLANNED, target=MeetingState.HELD, permission=may_run_meeting)  # type: ignore[arg-type]  # the stub wants a check of any user
    def close(self, *, by, notes: str, at) -> None:
        """The supervision office closes the meeting as held, on or after its day; its minutes are then final.
        Empty notes keep the notes written before."""
        self.closed_by, self.closed_at = by, at
        self.notes = notes or self.notes

    close.alters_data = True


class ItemOutcome(models.TextChoices):
    OPEN = "open", _("Not yet decided")
    DECIDED = "decided", _("Decided")
    DEFERRED = "deferred", _("Deferred")


class AgendaItem(ConcurrentTransitionMixin, models.Model):
    """A flagged case on one meeting's agenda, in order, with the meeting's decision (纪要) once taken."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="items", db_index=False
    )
    flag = models.ForeignKey(MeetingFlag, verbose_name=_("flag"), on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("position"))
    outcome = FSMField(
        _("outcome"), max_length=20, choices=ItemOutcome.choices, default=ItemOutcome.OPEN, protected=True
    )
    deferred_from = models.ForeignKey(
        Meeting,
        verbose_name=_("deferred from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The meeting that last put this case off, if any."),
    )
    times_deferred = models.PositiveSmallIntegerField(_("times deferred"), default=0)
    decision = models.TextField(_("decision"), blank=True)
    decision_public = models.BooleanField(
        _("decision shown to the enterprise"),
        default=False,
        help_text=_("Minutes are internal unless marked public; the enterprise always sees the sub-cases."),
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
    sub_cases = models.ManyToManyField(Case, verbose_name=_("sub-cases"), related_name="+", blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_item_position_unique"),
            models.UniqueConstraint(fields=["meeting", "flag"], name="agenda_item_flag_once_per_meeting"),
            # "Not on another open meeting", kept by the database: two meetings built at once cannot
            # both take the same flag; the loser gets a 409 and builds again.
            models.UniqueConstraint(fields=["flag"], condition=Q(outcome="open"), name="agenda_item_one_open_per_flag"),
            models.CheckConstraint(
                condition=~Q(outcome="decided") | (Q(decided_at__isnull=False) & ~Q(decision="")),
                name="agenda_item_decided_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} #{self.position}"

    @transition(field=outcome, source=ItemOutcome.OPEN, target=ItemOutcome.DECIDED, permission=may_decide_item)  # type: ignore[arg-type]  # the stub wants a check of any user
    def decide(self, *, decision: str, public: bool, by, at) -> None:
        """The meeting records its decision (纪要) on the case; the enterprise reads it only when marked public."""
        self.decision, self.decision_public = decision, public
        self.decided_by, self.decided_at = by, at

    decide.alters_data = True

    @transition(field=outcome, source=ItemOutcome.OPEN, target=ItemOutcome.DEFERRED)
    def defer(self) -> None:
        """The meeting closed without deciding it (``Meeting.close``): the case waits for the next meeting."""

    defer.alters_data = True
