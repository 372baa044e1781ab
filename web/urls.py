from django.contrib.auth import views as auth_views
from django.urls import path

from .views import cases, circulars, common, ledger, masterdata, meetings, ratings, supervision, work

app_name = "web"

urlpatterns = [
    path("", common.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("inbox/", common.inbox, name="inbox"),
    path("inbox/<int:notification_id>/read/", common.inbox_read, name="inbox-read"),
    path("inbox/read-all/", common.inbox_read_all, name="inbox-read-all"),
    path("cases/<int:case_id>/", cases.case_page, name="case"),
    path("cases/<int:case_id>/<slug:action>/", cases.case_action, name="case-action"),
    path("my/cases/", work.my_cases, name="my-cases"),
    path("my/cases/new/", work.file_case, name="file-case"),
    path("queue/", work.queue, name="queue"),
    path("queue/<int:case_id>/sign-for/", work.queue_sign_for, name="queue-sign-for"),
    path("served/", work.served, name="served"),
    path("dispatch/", work.dispatch, name="dispatch"),
    path("supervision/overdue/", supervision.overdue_board, name="overdue"),
    path("supervision/overdue/<int:case_id>/urge/", supervision.overdue_urge, name="overdue-urge"),
    path("supervision/extensions/", supervision.extensions, name="extensions"),
    path(
        "supervision/extensions/<int:extension_id>/decide/",
        supervision.extension_decision,
        name="extension-decide",
    ),
    path("supervision/rates/", supervision.rankings, name="rates"),
    path("supervision/rates/cases/", supervision.figure_cases, name="rates-cases"),
    path("leader/board/", supervision.leader_board, name="board"),
    path("supervision/circulars/", circulars.circulars, name="circulars"),
    path("supervision/circulars/<int:circular_id>/", circulars.circular_page, name="circular"),
    path("supervision/circulars/<int:circular_id>/edit/", circulars.circular_edit, name="circular-edit"),
    path("supervision/circulars/<int:circular_id>/<slug:action>/", circulars.circular_action, name="circular-action"),
    path("supervision/rectifications/", ratings.rectifications, name="rectifications"),
    path(
        "supervision/rectifications/<int:rectification_id>/<slug:action>/",
        ratings.rectification_action,
        name="rectification-action",
    ),
    path("supervision/appeals/", ratings.appeals, name="appeals"),
    path("supervision/appeals/new/", ratings.appeal_file, name="appeal-file"),
    path("supervision/appeals/<int:appeal_id>/decide/", ratings.appeal_decide, name="appeal-decide"),
    path("supervision/ledger/", ledger.ledger, name="ledger"),
    path("masterdata/", masterdata.masterdata, name="masterdata"),
    path("masterdata/template.xlsx", masterdata.masterdata_template, name="masterdata-template"),
    path("masterdata/export.xlsx", masterdata.masterdata_export, name="masterdata-export"),
    path("masterdata/imports/<int:import_id>/", masterdata.masterdata_import, name="masterdata-import"),
    path(
        "masterdata/imports/<int:import_id>/status/",
        masterdata.masterdata_import_status,
        name="masterdata-import-status",
    ),
    path(
        "masterdata/imports/<int:import_id>/confirm/",
        masterdata.masterdata_import_decide,
        {"decision": "confirm"},
        name="masterdata-import-confirm",
    ),
    path(
        "masterdata/imports/<int:import_id>/cancel/",
        masterdata.masterdata_import_decide,
        {"decision": "cancel"},
        name="masterdata-import-cancel",
    ),
    path("supervision/meetings/", meetings.meetings, name="meetings"),
    path("supervision/meetings/<int:meeting_id>/", meetings.meeting, name="meeting"),
    path(
        "supervision/meetings/<int:meeting_id>/items/<int:item_id>/decide/",
        meetings.meeting_decide,
        name="meeting-decide",
    ),
    path("supervision/meetings/<int:meeting_id>/refresh/", meetings.meeting_refresh, name="meeting-refresh"),
    path("supervision/meetings/<int:meeting_id>/close/", meetings.meeting_close, name="meeting-close"),
    path("supervision/rechecks/", meetings.recheck_samples, name="rechecks"),
    path("supervision/rechecks/<int:sample_id>/", meetings.recheck_sample, name="recheck-sample"),
    path(
        "supervision/rechecks/<int:sample_id>/items/<int:item_id>/record/",
        meetings.recheck_record,
        name="recheck-record",
    ),
]
