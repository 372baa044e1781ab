from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Delivery, Notification, NotificationPreference
from .services import deliveries_retry

DELIVERY_FIELDS = ("channel", "status", "attempts", "last_error", "next_attempt_at", "claimed_at", "sent_at")


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = DELIVERY_FIELDS
    readonly_fields = DELIVERY_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "visible_from", "recipient", "kind", "subject", "read_at"]
    list_filter = ["kind", "read_at"]
    search_fields = ["recipient__username", "subject", "key"]
    readonly_fields = [
        "recipient",
        "kind",
        "key",
        "about",
        "link",
        "subject",
        "body",
        "created_at",
        "visible_from",
        "read_at",
    ]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: the engine writes these rows; a person may only ask for a failed one to be retried."""

    list_display = ["id", "notification", "channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["channel", "status"]
    list_select_related = ["notification"]
    search_fields = ["notification__key", "notification__recipient__username", "last_error"]
    readonly_fields = ["notification", *DELIVERY_FIELDS, "queued_at", "created_at"]
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Retry the selected failed deliveries now"), permissions=["change"])
    def retry_now(self, request, queryset) -> None:
        count = deliveries_retry(deliveries=queryset)
        self.message_user(
            request,
            ngettext("%(count)d delivery will be retried now.", "%(count)d deliveries will be retried now.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "email_enabled", "webhook_enabled", "webhook_format", "updated_at"]
    list_filter = ["language", "email_enabled", "webhook_enabled", "webhook_format"]
    search_fields = ["user__username", "webhook_url"]
    raw_id_fields = ["user"]
