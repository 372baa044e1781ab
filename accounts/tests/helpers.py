"""What the accounts tests share: the link in a text, and a signed-in browser."""

import re

from django.test import Client

LINK = re.compile(r"https?://[^/\s]+(/join/\d+/[0-9a-f]{32}/)")
RESET_LINK = re.compile(r"https?://[^/\s]+(/password/reset/[^/\s]+/[^/\s]+/)")


def link_path(text: str) -> str:
    """The path of the invitation link in an e-mail or an answer (the site's address is SITE_URL)."""
    return LINK.search(text).group(1)


def reset_path(text: str) -> str:
    return RESET_LINK.search(text).group(1)


def signed_in(user, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client
