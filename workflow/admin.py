import logging

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.admin import StateLogInline

from .checks import missing_schedule_warnings
from .models import CalendarDay, CalendarYear, ClockPause, DeadlineCycle, DeadlinePolicy, ExtensionRequest
from .tasks import recompute_provisional_deadlines

logger = logging.getLogger(__name__)


class MissingScheduleWarningMixin:
    """Shows the system check's warning where an administrator can act on it."""

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # Only on GET: after a bulk action the redirect lands here again and would repeat it.
        if request.method == "GET":
            for warning in missing_schedule_warnings():
                messages.warning(request, f"{warning.msg} {warning.hint}")
        return super().changelist_view(request, extra_context)  # type: ignore[misc]  # a mixin: a ModelAdmin follows it


def enqueue_recompute() -> None:
    """Provisional deadlines are recounted by a worker; if the broker is down, the hourly beat task does it."""
    try:
        recompute_provisional_deadlines.delay()
    except Exception:
        logger.exception("Could not enqueue the recount of provisional deadlines")


@admin.register(CalendarDay)
class CalendarDayAdmin(MissingScheduleWarningMixin, admin.ModelAdmin):
    """A day corrected by hand in a year without a schedule moves the provisional deadlines counted over it."""

    list_display = ["date", "is_workday", "name", "source"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def save_model(self, request: HttpRequest, obj: CalendarDay, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(enqueue_recompute)

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(enqueue_recompute)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        super().delete_queryset(request, queryset)
        transaction.on_commit(enqueue_recompute)


@admin.register(CalendarYear)
class CalendarYearAdmin(MissingScheduleWarningMixin, admin.ModelAdmin):
    list_display = ["year", "source", "imported_at", "imported_by"]
    readonly_fields = ["imported_at", "imported_by"]

    def save_model(self, request: HttpRequest, obj: CalendarYear, form, change: bool) -> None:
        """Whoever enters or corrects a year's schedule by hand is recorded like an import."""
        obj.imported_at = timezone.now()
        obj.imported_by = request.user  # type: ignore[assignment]  # the admin's user is signed in
        super().save_model(request, obj, form, change)
        transaction.on_commit(enqueue_recompute)


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "response_workdays",
        "first_reply_workdays",
        "resolution_workdays",
        "reopen_workdays",
        "confirmation_workdays",
        "max_extensions",
        "unit_head_decides_extensions",
    ]
    list_filter = ["complexity", "category"]


@admin.register(DeadlineCycle)
class DeadlineCycleAdmin(admin.ModelAdmin):
    """Clock history is evidence for the rankings: readable, never edited by hand."""

    list_display = ["case", "kind", "started_by", "started_at", "due_at", "ended_at", "outcome", "breached"]
    list_filter = ["kind", "outcome", "breached", "provisional"]
    search_fields = ["case__number"]
    list_select_related = ["case"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    """Decisions go through the API (and its rules); the admin shows them."""

    list_display = ["case", "requested_by", "requested_due_at", "state", "decided_by", "decided_at"]
    list_filter = ["state"]
    search_fields = ["case__number", "reason"]
    list_select_related = ["case", "requested_by", "decided_by"]
    readonly_fields = [field.name for field in ExtensionRequest._meta.fields]
    inlines = [StateLogInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClockPause)
class ClockPauseAdmin(admin.ModelAdmin):
    """Pauses are evidence for the rates like the clocks they stopped: the API and the pages change them, under
    their rules (docs/deadlines.md); the admin shows them. The limits are settings (HUIYIN_PAUSE_MAX_COUNT,
    HUIYIN_PAUSE_MAX_WORKDAYS), not rows."""

    list_display = ["case", "state", "expected_date", "requested_by", "needs_approval", "ended_how", "workdays_paused"]
    list_filter = ["state", "needs_approval", "ended_how"]
    search_fields = ["case__number", "needed", "reason"]
    list_select_related = ["case", "requested_by"]
    readonly_fields = [field.name for field in ClockPause._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
