"""Who is served and who serves: enterprises, government units, people's roles, and 包保."""

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .credit_code import validate_credit_code
from .masterdata.permissions import may_decide_import


class UnitKind(models.TextChoices):
    DISTRICT = "district", _("District government")
    BUREAU = "bureau", _("Bureau")
    TOWNSHIP = "township", _("Township")
    STREET = "street", _("Street office")
    DISPATCH = "dispatch", _("Dispatch room")
    SUPERVISION = "supervision", _("Supervision office")


LOCAL_UNIT_KINDS = (UnitKind.TOWNSHIP, UnitKind.STREET)


class Unit(models.Model):
    """A government unit; the parent link forms the hierarchy that jurisdictions follow."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015, with its check digit."),
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    township = models.ForeignKey(
        Unit,
        verbose_name=_("township or street"),
        on_delete=models.PROTECT,
        related_name="local_enterprises",
        limit_choices_to={"kind__in": LOCAL_UNIT_KINDS},
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        indexes = [
            # The enterprises a 包保 leader serves, by name, a page at a time: read in the index's order and stopped
            # at the page, not four thousand of them read and sorted.
            models.Index(fields=["name", "id"], name="enterprise_by_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.credit_code = self.credit_code.strip().upper()
        super().save(*args, **kwargs)


class EnterpriseContact(models.Model):
    """A user who acts for an enterprise: files its problems and confirms their solutions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="enterprise_contacts",
        db_index=False,
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="contacts"
    )
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("enterprise contact")
        verbose_name_plural = _("enterprise contacts")
        constraints = [models.UniqueConstraint(fields=["user", "enterprise"], name="unique_enterprise_contact")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise}"


class Role(models.TextChoices):
    CADRE = "cadre", _("Cadre")
    UNIT_HEAD = "unit_head", _("Unit head")
    DISPATCHER = "dispatcher", _("Dispatcher")
    SUPERVISOR = "supervisor", _("Supervisor")
    LEADER = "leader", _("Leader")


class UnitMembership(models.Model):
    """A user's role in a unit. Supervisors and leaders oversee a jurisdiction (a unit subtree)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="unit_memberships",
        db_index=False,
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    jurisdiction = models.ForeignKey(
        Unit,
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "For supervisors and leaders: the unit whose whole subtree they oversee. "
            "Empty means the subtree of their own unit."
        ),
    )

    class Meta:
        verbose_name = _("unit membership")
        verbose_name_plural = _("unit memberships")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="unique_unit_membership")]
        indexes = [models.Index(fields=["unit", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class ServiceAssignment(models.Model):
    """One period of an enterprise's three-level service (三级包保).

    A change never edits a row: the current one gets ``ended_at`` and a new one
    starts, so the history of who served the enterprise stays complete.
    """

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="service_assignments",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("serving leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+")
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("serving cadre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    local_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("township or street contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("service assignment (包保)")
        verbose_name_plural = _("service assignments (包保)")
        ordering = ["enterprise", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(ended_at__isnull=True),
                name="one_current_service_assignment",
            )
        ]
        indexes = [
            models.Index(fields=["cadre"], condition=Q(ended_at__isnull=True), name="current_by_cadre"),
            models.Index(fields=["local_contact"], condition=Q(ended_at__isnull=True), name="current_by_contact"),
            models.Index(fields=["leader"], condition=Q(ended_at__isnull=True), name="current_by_leader"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.unit}"


class ProjectStage(models.TextChoices):
    """A key project's life, from the first idea to production (全生命周期)."""

    PLANNED = "planned", pgettext_lazy("project stage", "Planned")
    NEGOTIATING = "negotiating", _("Negotiating")
    SIGNED = "signed", _("Signed")
    LANDED = "landed", _("Landed")
    STARTED = "started", _("Construction started")
    COMPLETED = "completed", _("Completed")
    PRODUCING = "producing", _("In production")


class KeyProject(models.Model):
    """A key project (重点项目) of an enterprise, served for its whole life by a task force (专班)."""

    name = models.CharField(_("name"), max_length=150)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="key_projects",
        db_index=False,
    )
    stage = models.CharField(_("stage"), max_length=20, choices=ProjectStage.choices, default=ProjectStage.PLANNED)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("serving leader"),
        on_delete=models.PROTECT,
        related_name="led_key_projects",
        help_text=_("The leader who heads the task force (包保领导)."),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("key project")
        verbose_name_plural = _("key projects")
        ordering = ["name"]
        indexes = [models.Index(fields=["leader"], condition=Q(is_active=True), name="active_project_by_leader")]
        # The master-data workbook names a project by its name and enterprise: two alike could not be told apart.
        constraints = [models.UniqueConstraint(fields=["enterprise", "name"], name="one_project_name_per_enterprise")]

    def __str__(self) -> str:
        return self.name


# A task force serves a key project with at least this many people across its levels.
TASK_FORCE_MINIMUM = 5


class TaskForceLevel(models.TextChoices):
    CITY_LEADER = "city_leader", _("City leader")
    CITY_DEPARTMENT = "city_department", _("City department")
    DISTRICT_LIAISON = "district_liaison", _("District liaison")


class TaskForceMember(models.Model):
    """One person of a key project's task force (专班, 多对一), at one of its three levels."""

    project = models.ForeignKey(
        KeyProject,
        verbose_name=_("key project"),
        on_delete=models.CASCADE,
        related_name="task_force",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.PROTECT, related_name="task_forces"
    )
    level = models.CharField(_("level"), max_length=20, choices=TaskForceLevel.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    duty = models.CharField(_("duty"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("task force member")
        verbose_name_plural = _("task force members")
        ordering = ["project", "level", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="one_seat_per_member")]

    def __str__(self) -> str:
        return f"{self.project} · {self.user}"


class MasterDataImportState(models.TextChoices):
    QUEUED = "queued", _("Waiting to be checked")
    CHECKING = "checking", _("Being checked")
    READY = "ready", _("Checked: waiting for confirmation")
    REJECTED = "rejected", _("Refused: the workbook has problems")
    CONFIRMED = "confirmed", _("Confirmed: waiting to be imported")
    IMPORTING = "importing", _("Being imported")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


def masterdata_upload_path(instance: "MasterDataImport", filename: str) -> str:
    """A random stored name: the upload is reached only through its job, and deleted when the job ends."""
    return f"masterdata-imports/{timezone.now():%Y/%m}/{uuid4().hex}.xlsx"


class MasterDataImport(ConcurrentTransitionMixin, models.Model):
    """One uploaded master-data workbook: checked in the background, previewed, confirmed, then imported.

    The row stays as the record of who imported what; the file goes as soon as the job no longer needs it.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="masterdata_imports",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    state = FSMField(
        _("state"),
        max_length=20,
        choices=MasterDataImportState.choices,
        default=MasterDataImportState.QUEUED,
        protected=True,
    )
    file = models.FileField(_("file"), upload_to=masterdata_upload_path, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    deactivate_missing = models.BooleanField(_("deactivate what the workbook leaves out"), default=False)
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("to do"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("master data import")
        verbose_name_plural = _("master data imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} {self.created_at:%Y-%m-%d %H:%M} {self.state}"

    # The system moves the job through its check and its import (``masterdata.jobs``); an administrator confirms
    # or cancels the checked workbook in between (``masterdata.services``). Deleting the upload is the callers'.

    @transition(field=state, source=MasterDataImportState.QUEUED, target=MasterDataImportState.CHECKING)
    def start_check(self, *, at) -> None:
        """A worker claims the uploaded workbook to read and check it; a second delivery of its task leaves it."""
        self.started_at = at

    start_check.alters_data = True

    @transition(field=state, source=MasterDataImportState.CHECKING, target=MasterDataImportState.READY)
    def pass_check(self, *, report: dict, at) -> None:
        """The workbook has no problem: its preview waits for an administrator's confirmation, a day at most."""
        self.report, self.checked_at = report, at

    pass_check.alters_data = True

    @transition(
        field=state,
        source=[MasterDataImportState.CHECKING, MasterDataImportState.IMPORTING],
        target=MasterDataImportState.REJECTED,
    )
    def reject(self, *, report: dict, error: str = "", at) -> None:
        """The workbook has problems, found by the check or, the database having changed, by the import's second
        check: nothing is written, the report lists them."""
        self.report, self.error, self.finished_at = report, error[:2000], at

    reject.alters_data = True

    @transition(
        field=state,
        source=MasterDataImportState.READY,
        target=MasterDataImportState.CONFIRMED,
        permission=may_decide_import,  # type: ignore[arg-type]  # the stub wants a check of any user
    )
    def confirm(self, *, at) -> None:
        """An administrator read the preview and has it imported; one import runs at a time."""
        self.confirmed_at = at

    confirm.alters_data = True

    @transition(
        field=state,
        source=MasterDataImportState.READY,
        target=MasterDataImportState.CANCELLED,
        permission=may_decide_import,  # type: ignore[arg-type]  # the stub wants a check of any user
    )
    def cancel(self, *, at) -> None:
        """An administrator discards the checked workbook, or nobody confirmed it within a day."""
        self.finished_at = at

    cancel.alters_data = True

    @transition(field=state, source=MasterDataImportState.CONFIRMED, target=MasterDataImportState.IMPORTING)
    def start_import(self, *, at) -> None:
        """A worker claims the confirmed job; it reads and checks the workbook again before it writes."""
        self.started_at = at

    start_import.alters_data = True

    @transition(field=state, source=MasterDataImportState.IMPORTING, target=MasterDataImportState.DONE)
    def complete(self, *, report: dict, at) -> None:
        """Everything the workbook says is written, in the same transaction as this transition."""
        self.report, self.finished_at = report, at

    complete.alters_data = True

    @transition(
        field=state,
        source=[MasterDataImportState.CHECKING, MasterDataImportState.IMPORTING],
        target=MasterDataImportState.FAILED,
    )
    def fail(self, *, error: str, at) -> None:
        """An unexpected error, or a worker that died (still running an hour after it started): upload again."""
        self.error, self.finished_at = error[:2000], at

    fail.alters_data = True
