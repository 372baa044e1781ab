"""The site's URLs for the supervision page tests, with a stand-in case page while the branch that builds the real
one (``web:case``) is not merged; once it is, this is the site's own URL configuration unchanged."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver, include, path

from config import urls as site
from web import urls as web_urls

handler404 = site.handler404


def case_stand_in(request: HttpRequest, case_id: int) -> HttpResponse:
    return HttpResponse(f"case {case_id}")


web_patterns = list(web_urls.urlpatterns)
if not any(getattr(pattern, "name", None) == "case" for pattern in web_patterns):
    web_patterns.append(path("cases/<int:case_id>/", case_stand_in, name="case"))

urlpatterns = [
    pattern
    for pattern in site.urlpatterns
    if not (isinstance(pattern, URLResolver) and getattr(pattern, "app_name", None) == "web")
] + [path("", include((web_patterns, "web")))]
