from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "subject", "read_at"]
    list_filter = ["kind", "read_at"]
    search_fields = ["recipient__username", "subject", "key"]
    readonly_fields = ["recipient", "kind", "key", "about", "link", "subject", "body", "created_at", "read_at"]
