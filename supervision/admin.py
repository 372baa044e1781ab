"""Supervision in the admin: read-only for support; every change goes through the API's services and rules."""

from django.contrib import admin
from django.http import HttpRequest

from core.admin import StateLogInline

from .circulars.models import Circular, CircularNumberSequence
from .common_problems.models import CommonProblem, CommonProblemLink
from .ledger.models import LedgerExport
from .meetings.models import AgendaItem, Meeting, MeetingFlag
from .projects.models import Milestone, MilestoneKind
from .ratings.models import Appeal, Rectification
from .rechecks.models import RecheckItem, RecheckSample
from .visits.models import Visit, VisitDuty, VisitProblem


@admin.register(MilestoneKind)
class MilestoneKindAdmin(admin.ModelAdmin):
    """The standard list of a key project's nodes: master data the administrators keep. A node in use is
    retired (made inactive), not deleted: the projects planned against it keep it."""

    list_display = ["name_zh", "name_en", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name_zh", "name_en"]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    """Planning and recording go through the task force's page and the API (and their rules); the admin shows them."""

    list_display = ["project", "kind", "planned_on", "done_on", "recorded_by", "remind_at"]
    list_filter = ["kind"]
    search_fields = ["project__name", "project__enterprise__name"]
    list_select_related = ["project", "kind", "recorded_by"]
    readonly_fields = [field.name for field in Milestone._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CommonProblemLinkInline(admin.TabularInline):
    model = CommonProblemLink
    fields = readonly_fields = ("case", "linked_by", "linked_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CommonProblem)
class CommonProblemAdmin(admin.ModelAdmin):
    """Raising, linking, answering and closing go through the services (and their rules); the admin shows them."""

    list_display = ["title", "category", "unit", "state", "due_at", "raised_by", "raised_at", "answered_at"]
    list_filter = ["state", "category"]
    search_fields = ["title", "description", "links__case__number"]
    list_select_related = ["category", "unit", "raised_by"]
    readonly_fields = [field.name for field in CommonProblem._meta.fields]
    inlines = [CommonProblemLinkInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Rectification)
class RectificationAdmin(admin.ModelAdmin):
    """Reports, acceptances and returns go through the API (and its rules); the admin shows them."""

    list_display = ["case", "unit", "assignee", "satisfaction", "state", "due_at", "return_count"]
    list_filter = ["state", "satisfaction"]
    search_fields = ["case__number", "report"]
    list_select_related = ["case", "unit", "assignee"]
    readonly_fields = [field.name for field in Rectification._meta.fields]
    inlines = [StateLogInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Filing and deciding go through the API (and its rules); the admin shows them."""

    list_display = ["case", "unit", "kind", "satisfaction", "state", "filed_by", "filed_at", "decided_by"]
    list_filter = ["state", "kind"]
    search_fields = ["case__number", "reason"]
    list_select_related = ["case", "unit", "filed_by", "decided_by"]
    readonly_fields = [field.name for field in Appeal._meta.fields]
    inlines = [StateLogInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RecheckItemInline(admin.TabularInline):
    model = RecheckItem
    fields = readonly_fields = (
        "position",
        "case",
        "unit",
        "assignee",
        "method",
        "method_other",
        "result",
        "note",
        "checked_by",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RecheckSample)
class RecheckSampleAdmin(admin.ModelAdmin):
    """Read-only: a sample is drawn and its re-checks recorded through the API, where the rules are kept."""

    list_display = ["period", "jurisdiction", "rate_percent", "population_size", "seed", "drawn_by", "drawn_at"]
    list_filter = ["period"]
    list_select_related = ["jurisdiction", "drawn_by"]
    inlines = [RecheckItemInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Flags, meetings and minutes carry case events written with them; editing here would bypass those."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MeetingFlag)
class MeetingFlagAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "state", "flagged_by", "flagged_at", "times_deferred"]
    list_filter = ["state", "kind"]
    search_fields = ["case__number", "case__title", "reason"]
    list_select_related = ["case", "flagged_by"]
    inlines = [StateLogInline]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    fk_name = "meeting"
    fields = readonly_fields = (
        "position",
        "flag",
        "outcome",
        "times_deferred",
        "deferred_from",
        "decision",
        "decision_public",
    )
    extra = 0
    can_delete = False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "held_on", "jurisdiction", "chair", "state"]
    list_filter = ["state", "jurisdiction"]
    list_select_related = ["jurisdiction", "chair"]
    inlines = [AgendaItemInline, StateLogInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    """One item with its decision and the log of its outcome; the meeting's page lists them in order."""

    list_display = ["meeting", "position", "flag", "outcome", "decided_by", "decided_at"]
    list_filter = ["outcome"]
    list_select_related = ["meeting", "flag", "decided_by"]
    inlines = [StateLogInline]


@admin.register(Circular)
class CircularAdmin(admin.ModelAdmin):
    list_display = ["title", "state", "year", "sequence", "jurisdiction", "period_label", "published_at"]
    list_filter = ["state", "year"]
    search_fields = ["title"]
    list_select_related = ["jurisdiction"]
    inlines = [StateLogInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Circular | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Circular | None = None) -> bool:
        return False


@admin.register(CircularNumberSequence)
class CircularNumberSequenceAdmin(admin.ModelAdmin):
    """A number issued is never taken back, so the counters are shown, not edited."""

    list_display = ["year", "last_value"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CircularNumberSequence | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CircularNumberSequence | None = None) -> bool:
        return False


@admin.register(LedgerExport)
class LedgerExportAdmin(ReadOnlyAdmin):
    """Who exported which cases and when, with the job's log; the file is downloaded by its requester only."""

    list_display = ["requested_by", "created_at", "state", "row_count", "finished_at", "expires_at"]
    list_filter = ["state"]
    search_fields = ["requested_by__username"]
    list_select_related = ["requested_by"]
    exclude = ["file"]
    inlines = [StateLogInline]


class VisitProblemInline(admin.TabularInline):
    model = VisitProblem
    fields = readonly_fields = ("case",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    """Read-only: a visit is recorded through the pages or the API, which file its problems as cases."""

    list_display = ["enterprise", "visited_at", "mode", "visitor", "unit", "recorded_at"]
    list_filter = ["mode", "unit"]
    search_fields = ["enterprise__name", "visitor__username", "met_with"]
    list_select_related = ["enterprise", "visitor", "unit"]
    inlines = [VisitProblemInline]


@admin.register(VisitDuty)
class VisitDutyAdmin(ReadOnlyAdmin):
    """Read-only: duties follow the 包保 and the visits (their lengths are settings, HUIYIN_VISIT_DUTY_DAYS_*)."""

    list_display = ["enterprise", "level", "person", "unit", "last_visit_at", "due_at", "reminder_step"]
    list_filter = ["level", "unit"]
    search_fields = ["enterprise__name", "person__username"]
    list_select_related = ["enterprise", "person", "unit"]
