"""Circulars in the admin are for looking up: every change goes through the services, where the rules are."""

from django.contrib import admin
from django.http import HttpRequest

from .models import Circular, CircularNumberSequence


@admin.register(Circular)
class CircularAdmin(admin.ModelAdmin):
    list_display = ["title", "state", "year", "sequence", "jurisdiction", "period_label", "published_at"]
    list_filter = ["state", "year"]
    search_fields = ["title"]
    list_select_related = ["jurisdiction"]

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
