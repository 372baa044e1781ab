"""What the links to a list's other pages carry: the choices the page was asked with."""

from urllib.parse import urlencode

from django.http import HttpRequest


def query_without_page(request: HttpRequest) -> str:
    """The request's filled choices as a query, without its page number: each page's link adds its own."""
    return urlencode({key: value for key, value in request.GET.items() if key != "page" and value})
