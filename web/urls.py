from django.contrib.auth import views as auth_views
from django.urls import path

from .views import common

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
]
