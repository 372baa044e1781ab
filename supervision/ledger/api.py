"""The problem ledger export: request it (202), follow the job, download the file. Each job is its requester's alone."""

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import signed_in_user
from core.errors import ApplicationError, Conflict, NotPermitted
from workflow.workdays import SHANGHAI

from ..exports import XLSX
from .models import ExportState, LedgerExport
from .permissions import may_export_ledger
from .selectors import ledger_exports_visible_to
from .services import ledger_export_request

FILENAME = {"en": "ledger"}
DEFAULT_FILENAME = "问题台账"


class ExportExpired(ApplicationError):
    status_code = 410
    default_code = "export_expired"
    default_message = gettext_lazy("This export has expired and its file was deleted. Request a new one.")


class LedgerExportInput(serializers.Serializer):
    filters = serializers.DictField(
        required=False,
        default=dict,
        help_text="The case list's query parameters (state, category, enterprise, assignee, unit, complexity, "
        "overdue, returned, filed_after…, urging_level, search, ordering); a list for a repeated one.",
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="Headers and labels; the request's language by default.",
    )


class LedgerExportSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display")
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(help_text="Set once the file is ready.")

    class Meta:
        model = LedgerExport
        fields = [
            "id",
            "state",
            "state_display",
            "filters",
            "language",
            "row_count",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
            "url",
            "download_url",
        ]

    def get_url(self, job) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/supervision/ledger/{job.pk}/")

    def get_download_url(self, job) -> str | None:
        if job.state != ExportState.DONE:
            return None
        return self.context["request"].build_absolute_uri(f"/api/v1/supervision/ledger/{job.pk}/download/")


class LedgerExportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Officials request the ledger with the case list's filters; a worker writes it; they download it."""

    serializer_class = LedgerExportSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LedgerExport.objects.none()
        return ledger_exports_visible_to(signed_in_user(self.request))

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        if not may_export_ledger(signed_in_user(request)):
            raise NotPermitted(_("Only officials can export the problem ledger."), code="not_an_official")

    @extend_schema(
        summary="Request the problem ledger (问题台账) as .xlsx",
        request=LedgerExportInput,
        responses={202: LedgerExportSerializer},
    )
    def create(self, request: Request) -> Response:
        data = LedgerExportInput(data=request.data)
        data.is_valid(raise_exception=True)
        language = data.validated_data.get("language") or (
            "en" if (get_language() or "").startswith("en") else settings.LANGUAGE_CODE
        )
        job = ledger_export_request(
            acting_user=signed_in_user(request), filters=data.validated_data["filters"], language=language
        )
        body = self.get_serializer(job).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @extend_schema(
        summary="Download a finished ledger",
        responses={
            (200, XLSX): OpenApiTypes.BINARY,
            409: OpenApiResponse(description="The export is not ready yet, or it failed."),
            410: OpenApiResponse(description="The export expired and its file was deleted."),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk=None) -> FileResponse:
        job = self.get_object()
        if job.state == ExportState.EXPIRED:
            raise ExportExpired()
        if job.state == ExportState.FAILED:
            raise Conflict(_("This export failed; request it again."), code="export_failed")
        if job.state != ExportState.DONE:
            raise Conflict(_("The ledger is not ready yet; its state shows when it is."), code="export_not_ready")
        name = FILENAME.get(job.language, DEFAULT_FILENAME)
        filename = f"{name}-{job.created_at.astimezone(SHANGHAI):%Y-%m-%d}.xlsx"
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=filename, content_type=XLSX)
