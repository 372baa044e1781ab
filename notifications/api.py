"""The in-app inbox and the person's delivery preferences: a user's own only."""

import ipaddress
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import signed_in_user

from .channels import address_allowed
from .models import Notification, NotificationPreference
from .selectors import notifications_for_user, preference_for_user, unread_count_for_user
from .services import notifications_mark_read, preference_update


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "about", "link", "subject", "body", "created_at", "visible_from", "read_at"]


class PreferenceSerializer(serializers.ModelSerializer):
    webhook_secret_set = serializers.SerializerMethodField()

    class Meta:
        model = NotificationPreference
        fields = [
            "email_enabled",
            "webhook_enabled",
            "webhook_url",
            "webhook_format",
            "webhook_secret",
            "webhook_secret_set",
            "language",
        ]
        # A secret is written, never shown again.
        extra_kwargs = {"webhook_secret": {"write_only": True}}

    instance: NotificationPreference  # The view only ever updates the user's own preference.

    def get_webhook_secret_set(self, preference: NotificationPreference) -> bool:
        return bool(preference.webhook_secret)

    def validate_webhook_url(self, value: str) -> str:
        """Reject a literal private address at once; host names are checked when sending."""
        host = urlsplit(value).hostname or ""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return value
        if not address_allowed(address):
            raise serializers.ValidationError(_("Webhooks cannot be sent to a private network address."))
        return value

    def validate(self, attrs: dict) -> dict:
        enabled = attrs.get("webhook_enabled", self.instance.webhook_enabled)
        url = attrs.get("webhook_url", self.instance.webhook_url)
        if enabled and not url:
            raise serializers.ValidationError(
                {"webhook_url": [_("Enter the webhook address before turning webhooks on.")]}
            )
        return attrs


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    filterset_fields = {"read_at": ["isnull"], "kind": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return notifications_for_user(signed_in_user(self.request))

    @extend_schema(responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}))
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": unread_count_for_user(request.user)})

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notifications_mark_read(notifications=self.get_queryset().filter(pk=notification.pk))
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": notifications_mark_read(notifications=self.get_queryset())})


class PreferenceView(generics.GenericAPIView):
    """How the current user is told besides the inbox, which is always on: their own row, never another's.

    A view of its own rather than an action of the inbox's viewset, so that the object is the user's
    preference for every method DRF asks about, OPTIONS included.
    """

    serializer_class = PreferenceSerializer

    def get_object(self) -> NotificationPreference:
        return preference_for_user(signed_in_user(self.request))

    @extend_schema(summary="My delivery preferences")
    def get(self, request):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(summary="Replace my delivery preferences")
    def put(self, request):
        return self.save(request, partial=False)

    @extend_schema(summary="Change some of my delivery preferences")
    def patch(self, request):
        return self.save(request, partial=True)

    def save(self, request, *, partial: bool) -> Response:
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        preference = preference_update(user=request.user, data=serializer.validated_data)
        return Response(self.get_serializer(preference).data)
