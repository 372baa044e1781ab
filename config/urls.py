from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.api import InvitationViewSet, LogoutView, PasswordChangeView, PasswordResetView, TokenView
from cases.api import CategoryViewSet
from enterprises.api import EnterpriseViewSet, MeView, UnitViewSet
from notifications.api import NotificationViewSet, PreferenceView
from supervision.circulars.api import CircularViewSet
from supervision.common_problems.api import CommonProblemViewSet
from supervision.ledger.api import LedgerExportViewSet
from supervision.meetings.api import FlagViewSet, MeetingViewSet
from supervision.overdue.api import OverdueViewSet
from supervision.projects.api import MilestoneKindViewSet, ProjectViewSet
from supervision.rates.api import RatesViewSet
from supervision.ratings.api import AppealViewSet, RectificationViewSet
from supervision.rechecks.api import RecheckViewSet
from supervision.visits.api import VisitDutyViewSet, VisitViewSet
from workflow.api import CaseViewSet, ExtensionViewSet, PauseViewSet

router = DefaultRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("units", UnitViewSet, basename="unit")
router.register("categories", CategoryViewSet, basename="category")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("extensions", ExtensionViewSet, basename="extension")
router.register("pauses", PauseViewSet, basename="pause")
router.register("visits/duties", VisitDutyViewSet, basename="visit-duty")
router.register("visits", VisitViewSet, basename="visit")
router.register("supervision/overdue", OverdueViewSet, basename="overdue")
router.register("supervision/common-problems", CommonProblemViewSet, basename="common-problem")
router.register("supervision/rates", RatesViewSet, basename="rates")
router.register("supervision/rectifications", RectificationViewSet, basename="rectification")
router.register("supervision/appeals", AppealViewSet, basename="appeal")
router.register("supervision/rechecks", RecheckViewSet, basename="recheck")
router.register("supervision/flags", FlagViewSet, basename="meeting-flag")
router.register("supervision/meetings", MeetingViewSet, basename="meeting")
router.register("supervision/circulars", CircularViewSet, basename="circular")
router.register("supervision/ledger", LedgerExportViewSet, basename="ledger-export")
router.register("projects", ProjectViewSet, basename="project")
router.register("milestone-kinds", MilestoneKindViewSet, basename="milestone-kind")

api_patterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("auth/password/", PasswordChangeView.as_view(), name="auth-password"),
    path("auth/password/reset/", PasswordResetView.as_view(), name="auth-password-reset"),
    path("me/", MeView.as_view(), name="me"),
    # Before the router, whose notifications/{id}/ would otherwise take "preferences" for an id.
    path("notifications/preferences/", PreferenceView.as_view(), name="notification-preferences"),
    *router.urls,
]

handler400 = "core.api.bad_request"
handler404 = "core.api.not_found"
handler500 = "core.api.server_error"

# Swagger UI and ReDoc style their widgets with inline styles, and ReDoc runs its search in a worker
# made from a blob: URL. Their scripts still come from our static files only (Swagger's settings script
# too: the split view serves it as a file instead of inline).
swagger_csp = csp_update({"style-src": [UNSAFE_INLINE]})
redoc_csp = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_patterns, "api"))),
    path("api-auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", swagger_csp(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    path(
        "api/redoc/",
        redoc_csp(SpectacularRedocView.as_view(url_name="schema", template_name="api_docs/redoc.html")),
        name="api-redoc",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("web.urls")),
]
