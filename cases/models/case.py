"""The case row and its state machine, the choices it records, its yearly numbering, and what "overdue" means
for it."""

import re
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case as Conditional
from django.db.models import F, Q, When
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.statements import Choice
from enterprises.models import Enterprise, Unit

from .. import permissions
from ..states import UNRESOLVED_STATES, CaseState
from .categories import Category

# What "overdue" means for a case row, once per clock whose due time the row mirrors. Lists, pages,
# exports, rates and the boards ask these, so they never disagree; ``Case.is_overdue`` is the row's twin.


def in_states(states) -> Q:
    """Cases in any of ``states`` (one at least), written into the statement as constants (``Choice``): a prepared
    statement's generic plan then still reads the partial indexes of those states (``core.statements.prepared``)."""
    if not states:
        raise ValueError("in_states needs a state: with none the condition would match every case")
    field = Case._meta.get_field("state")
    return Q(*(Q(state=Choice(field, state)) for state in states), _connector=Q.OR)


def resolution_overdue_q(now: datetime) -> Q:
    """Cases being worked on past their resolution deadline: the cadre's lateness."""
    return Q(state__in=UNRESOLVED_STATES, resolution_due_at__lt=now)


def routing_overdue_q(now: datetime) -> Q:
    """Opened cases (new or sent back) past their routing deadline: the dispatchers' lateness."""
    return Q(state=CaseState.OPENED, response_due_at__lt=now)


def holder_due() -> Conditional:
    """The due time of whoever holds a case now: the routing deadline while opened, else the resolution one.
    On PostgreSQL an index of this very expression (cases migration 0011, widened in 0026) serves the overdue
    review's order."""
    return Conditional(When(state=CaseState.OPENED, then=F("response_due_at")), default=F("resolution_due_at"))


def holder_overdue_q(now: datetime) -> Q:
    """Cases past the deadline of whoever holds them now: routing while opened, resolution once assigned
    (``routing_overdue_q | resolution_overdue_q``, written on ``holder_due`` so that its index serves it).
    The overdue review and the circular list these."""
    return Q(state__in=UNRESOLVED_STATES) & Q(LessThan(holder_due(), now))


def resolution_clock_running(case: "Case") -> bool:
    """A resolution clock runs (the case row mirrors its due time) and is not paused."""
    return case.paused_until is None and case.resolution_due_at is not None


def resolution_clock_paused(case: "Case") -> bool:
    return case.paused_until is not None


class Complexity(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    COMPLEX = "complex", _("Complex")


class ResolutionType(models.TextChoices):
    SOLVED = "solved", _("Solved")
    PARTLY_SOLVED = "partly_solved", _("Partly solved")
    EXPLAINED = "explained", _("Explained, cannot be solved")
    UNFOUNDED = "unfounded", _("Unfounded")
    NOT_OUR_DUTY = "not_our_duty", _("Not our duty")


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    FAIRLY_SATISFIED = 3, _("Fairly satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


class Closure(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed by the enterprise")
    BY_SUPERVISOR = "by_supervisor", _("Closed by a supervisor")
    WITHDRAWN = "withdrawn", _("Withdrawn by the enterprise")
    NO_ANSWER = "no_answer", _("Closed without an answer from the enterprise")
    DUPLICATE = "duplicate", _("Merged into another case of the enterprise")


class UrgingLevel(models.IntegerChoices):
    """The urging ladder (催办 → 督办 → 挂牌督办): each level reaches further up."""

    NONE = 0, _("Not urged")
    URGED = 1, _("Urged (催办)")
    SUPERVISED = 2, _("Supervised (督办)")
    LISTED = 3, _("Listed for supervision (挂牌督办)")


class CaseNumberSequence(models.Model):
    """The last number handed out per year; a row lock makes concurrent filings take turns."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number sequence")
        verbose_name_plural = _("case number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"

    @classmethod
    def allocate(cls, year: int) -> int:
        """Next number of ``year``. Call inside a transaction; the UPDATE holds the row until commit."""
        cls.objects.bulk_create([cls.objects.model(year=year)], ignore_conflicts=True)
        cls.objects.filter(year=year).update(last_value=F("last_value") + 1)
        return cls.objects.values_list("last_value", flat=True).get(year=year)


# What a case-number prefix may hold (``cases.checks``): no dash, so that a number's parts stand where its dashes do.
CASE_NUMBER_PREFIX_SHAPE = re.compile(r"[^\W_]+")


def format_case_number(year: int, value: int) -> str:
    return f"{settings.HUIYIN['CASE_NUMBER_PREFIX']}-{year}-{value:06d}"


def whole_case_number_q(text: str) -> Q | None:
    """The cases whose number contains ``text`` when it is a whole number (``qy-2026-000123``), else None: those whose
    number is it or starts with it, written as ``format_case_number`` writes them, read from the numbers' B-tree.

    The prefix has no dash, so a whole number's two dashes can stand only where a number's stand: it lies inside a
    number only at its start, and a number goes on after it only with a serial past 999,999, which never starts with
    a 0. A serial starting with 0 is one number (an equality the planner knows finds one row; for a prefix's range it
    expected a hundredth of the table and walked the list's order looking for it); any other is a prefix. Searched
    as text, a number's trigrams (``QY-``, ``-20``…) are in every number: at a million cases the trigram index read a
    million entries of each for one row.
    """
    prefix = settings.HUIYIN["CASE_NUMBER_PREFIX"]
    whole = re.fullmatch(rf"{re.escape(prefix)}-[0-9]{{4}}-([0-9]{{6,}})", text, re.IGNORECASE)
    if whole is None:
        return None
    written = prefix + text[len(prefix) :]
    return Q(number=written) if whole.group(1).startswith("0") else Q(number__startswith=written)


class Case(ConcurrentTransitionMixin, models.Model):
    """A problem an enterprise filed (诉求), from filing to being crossed off (销号).

    ``state`` changes only through the transition methods below, and those are
    called only by ``workflow.services``, which locks the row and writes the
    event. ``version`` grows with every change so that two people acting on the
    same copy cannot both win, even when the state stays the same (accept,
    reassign).
    """

    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    # The three foreign keys of the official gate are indexed with the case's id (``Meta.indexes``), not alone.
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="filed_cases"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    complexity = models.CharField(
        _("complexity"), max_length=20, choices=Complexity.choices, default=Complexity.ORDINARY
    )
    state = FSMField(_("state"), max_length=20, choices=CaseState.choices, default=CaseState.OPENED, protected=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        db_index=False,
    )
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    resolution_type = models.CharField(_("resolution type"), max_length=20, choices=ResolutionType.choices, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    satisfaction_comment = models.TextField(_("satisfaction comment"), blank=True)
    closure = models.CharField(_("closure"), max_length=20, choices=Closure.choices, blank=True)
    enterprise_reopen_count = models.PositiveSmallIntegerField(_("reopened by the enterprise"), default=0)
    follows_up = models.ForeignKey(
        "self",
        verbose_name=_("follows up"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    project = models.ForeignKey(
        "enterprises.KeyProject",
        verbose_name=_("key project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # the partial index below: most cases name no project
        help_text=_("The enterprise's key project the problem blocks, if any (挂图作战)."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sub_cases",
        help_text=_("Set on a sub-case that a joint review meeting assigned to a unit; the parent waits for it."),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
        help_text=_("Set on a duplicate (并单): the enterprise's other case that answers it."),
    )

    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    sent_back_at = models.DateTimeField(
        _("sent back at"), null=True, blank=True, help_text=_("Set while a returned case waits for routing.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    response_due_at = models.DateTimeField(
        _("response due at"), null=True, blank=True, help_text=_("To be routed, or signed for once assigned.")
    )
    first_reply_due_at = models.DateTimeField(_("first reply due at"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due at"), null=True, blank=True)
    confirmation_due_at = models.DateTimeField(
        _("confirmation due at"), null=True, blank=True, help_text=_("Without an answer by then, the case closes.")
    )
    urging_level = models.PositiveSmallIntegerField(
        _("urging level"), choices=UrgingLevel.choices, default=UrgingLevel.NONE
    )
    urging_answer_due_at = models.DateTimeField(
        _("urging answer due at"), null=True, blank=True, help_text=_("When the next answer to the urging is due.")
    )
    paused_until = models.DateTimeField(
        _("paused until"),
        null=True,
        blank=True,
        help_text=_(
            "Set while the resolution clock is paused (挂起) for the enterprise's material: the end of the expected "
            "date. The resolution deadline is empty meanwhile."
        ),
    )
    deadlines_provisional = models.BooleanField(
        _("provisional deadlines"),
        default=False,
        help_text=_(
            "Counted over a year whose official holiday schedule is not yet entered: its statutory holidays are "
            "estimated, without make-up working days."
        ),
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=[CaseState.ASSIGNED, CaseState.RESOLVED])
                | (Q(assignee__isnull=False) & Q(responsible_unit__isnull=False)),
                name="case_assigned_has_assignee_and_unit",
            ),
            models.CheckConstraint(
                condition=~Q(state=CaseState.RESOLVED) | (Q(resolved_at__isnull=False) & ~Q(resolution_type="")),
                name="case_resolved_has_resolution",
            ),
            models.CheckConstraint(
                condition=~Q(state=CaseState.CLOSED) | (Q(closed_at__isnull=False) & ~Q(closure="")),
                name="case_closed_has_closure",
            ),
            # A closing moment only on a closed case (which has one, above): a list of the cases closed in a period
            # holds no open one (``workflow.filters.may_list_returned``).
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(state=CaseState.CLOSED), name="case_closed_at_only_when_closed"
            ),
            # A case is resolved and closed after it is filed: a list of those closed before a moment reads only the
            # cases filed before it (``workflow.filters.CaseFilter``).
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("filed_at")),
                name="case_resolved_after_filing",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("filed_at")), name="case_closed_after_filing"
            ),
            # Only a case waiting for routing is a returned one: its list leads with it, and only there.
            models.CheckConstraint(
                condition=Q(sent_back_at__isnull=True) | Q(state=CaseState.OPENED),
                name="case_sent_back_only_while_opened",
            ),
            models.CheckConstraint(
                condition=(Q(closure=Closure.DUPLICATE) & Q(merged_into__isnull=False))
                | (~Q(closure=Closure.DUPLICATE) & Q(merged_into__isnull=True)),
                name="case_duplicate_has_merged_into",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="case_satisfaction_1_to_5",
            ),
        ]
        indexes = [
            # A person's, an enterprise's and a unit's cases with their ids, in place of the foreign keys' own
            # indexes: the branches of the official gate give their cases' ids from the index alone
            # (``cases.selectors.official_case_ids``), where the foreign key's index sent PostgreSQL to the table.
            models.Index(fields=["assignee", "id"], name="case_assignee_ids"),
            models.Index(fields=["enterprise", "id"], name="case_enterprise_ids"),
            models.Index(fields=["responsible_unit", "id"], name="case_unit_ids"),
            models.Index(fields=["state", "-filed_at"], name="case_state_filed"),
            # A key project's open problems (the board's count, the project's page).
            models.Index(fields=["project", "state"], condition=Q(project__isnull=False), name="case_project_state"),
            models.Index(fields=["enterprise", "-filed_at"], name="case_enterprise_filed"),
            models.Index(fields=["assignee", "state"], name="case_assignee_state"),
            # The cadre's queue, read in order and stopped at the page: their cases being worked on or
            # waiting for the enterprise, by resolution deadline (ascending puts PostgreSQL's NULLs last).
            models.Index(
                F("assignee"),
                F("resolution_due_at").asc(),
                F("id").desc(),
                condition=Q(state__in=["assigned", "resolved"]),
                name="case_queue_by_due",
            ),
            models.Index(fields=["responsible_unit", "state"], name="case_unit_state"),
            # A unit head's queue, a part for each unit (``cases.selectors.cases_held_by``), read in order and
            # stopped at the page. The state last: a filter by one state is answered in the index, not the table,
            # and the both of them, the index's own condition, leave its order to the page.
            models.Index(
                fields=["responsible_unit", "resolution_due_at", "id", "state"],
                condition=Q(state__in=["assigned", "resolved"]),
                name="case_unit_queue",
            ),
            models.Index(fields=["category", "-filed_at"], name="case_category_filed"),
            models.Index(
                fields=["response_due_at"],
                condition=Q(state__in=["opened", "assigned"]),
                name="case_open_response_due",
            ),
            models.Index(
                fields=["resolution_due_at"],
                condition=Q(state__in=["opened", "assigned"]),
                name="case_open_resolution_due",
            ),
            # The case list by its last change, either way (an integration's "what changed"): without it the
            # district's million cases were sorted for a page (0.8 s).
            models.Index(fields=["updated_at", "id"], name="case_changed_order"),
            models.Index(fields=["-sent_back_at"], condition=Q(state="opened"), name="case_returned_for_routing"),
            models.Index(
                fields=["confirmation_due_at"], condition=Q(state="resolved"), name="case_resolved_confirmation_due"
            ),
            # Few cases are ever urged; the boards of urged cases read only those rows. The answer's deadline next:
            # a leader's board reads the listed cases in that order and stops at its page, where it joined and
            # sorted every listed case of the district to show twenty.
            models.Index(
                fields=["urging_level", "urging_answer_due_at", "id"],
                condition=Q(urging_level__gt=0),
                name="case_urged_by_answer_due",
            ),
            # Few cases are paused at a time; the overdue board and the filter read only those rows.
            models.Index(fields=["paused_until"], condition=Q(paused_until__isnull=False), name="case_paused"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def is_overdue(self, now: datetime | None = None) -> bool:
        """``resolution_overdue_q`` for one loaded row."""
        if self.state not in UNRESOLVED_STATES or self.resolution_due_at is None:
            return False
        return self.resolution_due_at < (now or timezone.now())

    @transition(field=state, source=CaseState.OPENED, target=CaseState.ASSIGNED, permission=permissions.can_assign)
    def assign(self, *, assignee, unit, at) -> None:
        """Route the case to a cadre of a unit; that unit now answers for it."""
        self.assignee = assignee
        self.responsible_unit = unit
        self.assigned_at = at
        self.accepted_at = None
        self.sent_back_at = None

    assign.alters_data = True

    @transition(
        field=state,
        source=CaseState.ASSIGNED,
        target=CaseState.ASSIGNED,
        conditions=[lambda case: case.accepted_at is None],  # type: ignore[attr-defined]  # django-fsm types a condition as taking any model
        permission=permissions.can_accept,
    )
    def accept(self, *, at) -> None:
        """The assignee signs for the case (签收): the response the response deadline asks for."""
        self.accepted_at = at

    accept.alters_data = True

    @transition(field=state, source=CaseState.ASSIGNED, target=CaseState.OPENED, permission=permissions.can_send_back)
    def send_back(self, *, at) -> None:
        """The assignee returns a case that is not theirs (退单); it goes back to the dispatcher. A pause ends:
        the dispatcher's routing clock runs, and whoever gets the case next starts their own clock."""
        self.assignee = None
        self.responsible_unit = None
        self.assigned_at = None
        self.accepted_at = None
        self.sent_back_at = at
        self.paused_until = None

    send_back.alters_data = True

    @transition(field=state, source=CaseState.ASSIGNED, target=CaseState.ASSIGNED, permission=permissions.can_reassign)
    def reassign(self, *, assignee, unit, at, keeps_pause: bool = False) -> None:
        """Hand the case to another cadre, who signs for it anew. A pause carries on within one line of units
        (the case still waits for the same material); an unrelated unit starts a clock of its own instead."""
        self.assignee = assignee
        self.responsible_unit = unit
        self.assigned_at = at
        self.accepted_at = None
        if not keeps_pause:
            self.paused_until = None

    reassign.alters_data = True

    @transition(field=state, source=CaseState.ASSIGNED, target=CaseState.RESOLVED, permission=permissions.can_resolve)
    def resolve(self, *, resolution_type, reply, at) -> None:
        """Answer the enterprise. Resolving also counts as signing for it when that was skipped."""
        self.resolution_type = resolution_type
        self.reply = reply
        self.resolved_at = at
        self.paused_until = None
        if self.accepted_at is None:
            self.accepted_at = at

    resolve.alters_data = True

    @transition(
        field=state,
        source=CaseState.ASSIGNED,
        target=CaseState.ASSIGNED,
        conditions=[resolution_clock_running],  # type: ignore[list-item]  # django-fsm types a condition as taking any model
        permission=permissions.can_pause,
    )
    def pause(self, *, until, at) -> None:
        """The assignee stops the resolution clock while the case waits for the enterprise's material or an
        outside precondition (挂起), until the end of an expected date. The case stays assigned: pausing is
        not a new state of the work, only of its clock. Within the limits at once; beyond them when a
        supervisor approves (docs/deadlines.md)."""
        self.paused_until = until

    pause.alters_data = True

    @transition(
        field=state,
        source=CaseState.ASSIGNED,
        target=CaseState.ASSIGNED,
        conditions=[resolution_clock_paused],  # type: ignore[list-item]  # django-fsm types a condition as taking any model
        permission=permissions.can_resume,
    )
    def resume(self, *, at) -> None:
        """The resolution clock runs again with the working days it had left (at least one): the assignee or
        the unit's head resumes it, the enterprise answers, or the expected date passes."""
        self.paused_until = None

    resume.alters_data = True

    @transition(field=state, source=CaseState.RESOLVED, target=CaseState.ASSIGNED, permission=permissions.can_reopen)
    def reopen(self, *, by_enterprise: bool, at) -> None:
        """The enterprise does not accept the solution (不认可); the same assignee works it again."""
        self.resolution_type = ""
        self.resolved_at = None
        self.assigned_at = at
        if by_enterprise:
            self.enterprise_reopen_count += 1

    reopen.alters_data = True

    @transition(field=state, source=CaseState.RESOLVED, target=CaseState.CLOSED, permission=permissions.can_close)
    def close(self, *, closure, satisfaction, comment, at) -> None:
        """Cross the case off (销号): the enterprise confirms and rates it, or a supervisor closes it."""
        self.closure = closure
        self.satisfaction = satisfaction
        self.satisfaction_comment = comment
        self.closed_at = at

    close.alters_data = True

    @transition(
        field=state,
        source=[CaseState.OPENED, CaseState.ASSIGNED],
        target=CaseState.CLOSED,
        permission=permissions.can_withdraw,
    )
    def withdraw(self, *, at) -> None:
        """The enterprise no longer needs help (撤回). Closed is final; a follow-up is a new case."""
        self.closure = Closure.WITHDRAWN
        self.closed_at = at
        self.sent_back_at = None
        self.paused_until = None

    withdraw.alters_data = True

    @transition(
        field=state,
        source=[CaseState.OPENED, CaseState.ASSIGNED],
        target=CaseState.CLOSED,
        conditions=[lambda case: case.parent_id is None],  # type: ignore[attr-defined]  # django-fsm types a condition as taking any model
        permission=permissions.can_merge,
    )
    def merge(self, *, into: "Case", at) -> None:
        """A true duplicate (并单) is closed into the enterprise's other open case, which answers both. The
        service checks the target (same enterprise, not itself, open); a sub-case is the meeting's, not a
        duplicate."""
        self.closure = Closure.DUPLICATE
        self.merged_into = into
        self.closed_at = at
        self.sent_back_at = None

    merge.alters_data = True

    @transition(
        field=state,
        source=CaseState.CLOSED,
        target=CaseState.ASSIGNED,
        conditions=[
            lambda case: case.closure not in (Closure.WITHDRAWN, Closure.DUPLICATE) and case.assignee_id is not None  # type: ignore[attr-defined]  # django-fsm types a condition as taking any model
        ],
        permission=permissions.can_reopen_after_recheck,
    )
    def reopen_after_recheck(self, *, at) -> None:
        """A supervisor's re-check (复查) found a crossed-off problem not really solved: the same assignee and
        unit work it again as a new cycle. The closure and its rating no longer hold; the event log keeps them."""
        self.closure = ""
        self.closed_at = None
        self.satisfaction = None
        self.satisfaction_comment = ""
        self.resolution_type = ""
        self.resolved_at = None
        self.assigned_at = at

    reopen_after_recheck.alters_data = True
