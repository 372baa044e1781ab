from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .checks import missing_schedule_warnings
from .models import CalendarDay, CalendarYear


class MissingScheduleWarningMixin:
    """Shows the system check's warning where an administrator can act on it."""

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # Only on GET: after a bulk action the redirect lands here again and would repeat it.
        if request.method == "GET":
            for warning in missing_schedule_warnings():
                messages.warning(request, f"{warning.msg} {warning.hint}")
        return super().changelist_view(request, extra_context)


@admin.register(CalendarDay)
class CalendarDayAdmin(MissingScheduleWarningMixin, admin.ModelAdmin):
    list_display = ["date", "is_workday", "name", "source"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(CalendarYear)
class CalendarYearAdmin(MissingScheduleWarningMixin, admin.ModelAdmin):
    list_display = ["year", "source", "imported_at", "imported_by"]
    readonly_fields = ["imported_at", "imported_by"]

    def save_model(self, request: HttpRequest, obj: CalendarYear, form, change: bool) -> None:
        """Whoever enters or corrects a year's schedule by hand is recorded like an import."""
        obj.imported_at = timezone.now()
        obj.imported_by = request.user
        super().save_model(request, obj, form, change)
