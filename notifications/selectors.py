from django.db.models import QuerySet

from .models import Notification


def notifications_for_user(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count_for_user(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
