"""The extension requests and the pauses beyond the limits that supervisors decide: a list, one, approve, reject.

Apart from the case views because they are other rows than cases, each reached through its own visibility.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import CountedInPagePagination

from .. import services
from ..models import ClockPause, ExtensionRequest
from ..selectors import extensions_visible_in_parts, extensions_visible_to, pauses_visible_to
from .inputs import DecisionInput
from .serializers import EXTENSION_COLUMNS, ExtensionSerializer, PauseSerializer


@extend_schema_view(
    list=extend_schema(summary="Extension requests the user may see; filter state=pending for the queue"),
    retrieve=extend_schema(summary="One extension request"),
)
class ExtensionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Extension requests of the cases the user sees as an official. A page is read in the order of its index
    (workflow migration 0013) and counted by its own query: a unit head's requests are not sorted whole."""

    serializer_class = ExtensionSerializer
    pagination_class = CountedInPagePagination
    filterset_fields = ["state", "case"]
    ordering_fields = ["created_at", "requested_due_at"]
    visible_in_parts = staticmethod(extensions_visible_in_parts)  # counted so, as the page counts them

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExtensionRequest.objects.none()
        return extensions_visible_to(self.request.user).only(*EXTENSION_COLUMNS).order_by("-created_at", "-id")

    def decide(self, request, *, approve: bool) -> Response:
        extension = self.get_object()
        serializer = DecisionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = services.extension_decide(
            extension=extension, acting_user=request.user, approve=approve, note=serializer.validated_data["note"]
        )
        return Response(ExtensionSerializer(self.get_queryset().get(pk=decided.pk)).data)

    @extend_schema(summary="Approve: the new deadline applies", request=DecisionInput, responses=ExtensionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.decide(request, approve=True)

    @extend_schema(summary="Reject, with a note", request=DecisionInput, responses=ExtensionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self.decide(request, approve=False)


@extend_schema_view(
    list=extend_schema(summary="Pauses of cases the user sees as an official; state=requested for the approvals"),
    retrieve=extend_schema(summary="One pause of a case's clock"),
)
class PauseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PauseSerializer
    filterset_fields = ["state", "case"]
    ordering_fields = ["requested_at", "expected_date"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ClockPause.objects.none()
        return pauses_visible_to(self.request.user).order_by("-requested_at", "-id")

    def decide(self, request, *, approve: bool) -> Response:
        pause = self.get_object()
        serializer = DecisionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = services.pause_decide(
            pause=pause, acting_user=request.user, approve=approve, note=serializer.validated_data["note"]
        )
        return Response(PauseSerializer(self.get_queryset().get(pk=decided.pk)).data)

    @extend_schema(
        summary="Approve a pause beyond the limits: the clock stops from now",
        request=DecisionInput,
        responses=PauseSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.decide(request, approve=True)

    @extend_schema(
        summary="Reject a pause beyond the limits, with a note", request=DecisionInput, responses=PauseSerializer
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self.decide(request, approve=False)
