from django.contrib import admin

from .models import Attachment, Case, CaseEvent, CaseNumberSequence, Category, Comment


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["position", "name_zh", "name_en", "default_unit_kind", "route_to_serving_cadre", "is_active"]
    list_display_links = ["name_zh"]
    list_filter = ["default_unit_kind", "is_active"]
    search_fields = ["name_zh", "name_en", "code"]


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    fields = readonly_fields = ("author", "visibility", "body", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = readonly_fields = ("created_at", "actor", "action", "from_state", "to_state", "note")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """The state and everything the workflow owns are read-only: changes go through the services."""

    list_display = ["number", "title", "enterprise", "category", "state", "assignee", "responsible_unit", "filed_at"]
    list_filter = ["state", "category", "complexity", "responsible_unit", "closure"]
    search_fields = ["number", "title", "enterprise__name"]
    date_hierarchy = "filed_at"
    list_select_related = ["enterprise", "category", "assignee", "responsible_unit"]
    readonly_fields = [
        "number",
        "state",
        "version",
        "enterprise",
        "filed_by",
        "assignee",
        "responsible_unit",
        "resolution_type",
        "reply",
        "satisfaction",
        "satisfaction_comment",
        "closure",
        "enterprise_reopen_count",
        "follows_up",
        "project",
        "filed_at",
        "assigned_at",
        "accepted_at",
        "resolved_at",
        "closed_at",
        "sent_back_at",
        "updated_at",
    ]
    inlines = [CommentInline, EventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "case", "action", "actor", "from_state", "to_state"]
    list_filter = ["action", "to_state"]
    search_fields = ["case__number", "note"]
    list_select_related = ["case", "actor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["case", "author", "visibility", "created_at"]
    list_filter = ["visibility"]
    search_fields = ["case__number", "body"]
    readonly_fields = ["case", "author", "visibility", "body", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "case", "content_type", "size", "visibility", "uploaded_by", "created_at"]
    list_filter = ["visibility", "content_type"]
    search_fields = ["original_name", "case__number"]
    readonly_fields = [
        "case",
        "uploaded_by",
        "visibility",
        "file",
        "original_name",
        "content_type",
        "size",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CaseNumberSequence)
class CaseNumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["year", "last_value"]
    readonly_fields = ["year", "last_value"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
