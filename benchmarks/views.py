"""What a signed-in person is answered before any list reads a row: the baseline ``bench`` times beside each
list and its floor. Served only where the bench mounts them (``benchmarks.urls``), never by the app itself."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprises.access import roles_for_user


class SignedInAnswer(APIView):
    """An API answer with no rows, after what every list of the API does first: the token's person (the API's
    authentication and permission classes) and their roles, which every list's visibility reads."""

    def get(self, request: Request) -> Response:
        roles_for_user(request.user)
        return Response([])


@login_required
def signed_in_page(request: HttpRequest) -> HttpResponse:
    """A page with nothing on it but what every page has: the session's person, their roles, the main menu, the
    unread badge and the base template."""
    roles_for_user(request.user)
    return render(request, "benchmarks/signed_in.html")
