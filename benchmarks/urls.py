"""Huiyin's addresses and the bench's own two (``benchmarks.views``), for the application the bench serves: in its
process (``bench``) and under gunicorn (``benchmarks.wsgi``)."""

from django.urls import path

from config.urls import urlpatterns as huiyin

from .views import SignedInAnswer, signed_in_page

SIGNED_IN_API = "/bench/signed-in/api/"
SIGNED_IN_PAGE = "/bench/signed-in/page/"

urlpatterns = [
    path(SIGNED_IN_API.lstrip("/"), SignedInAnswer.as_view()),
    path(SIGNED_IN_PAGE.lstrip("/"), signed_in_page),
    *huiyin,
]
