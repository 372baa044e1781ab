"""People, a message kind of our own, and a real HTTP receiver for webhooks.

alice reads English and has an e-mail address; bob reads Chinese and has one too; carol has no
address and a webhook; dave turned e-mail off. The "ping" templates live in memory, so these tests
do not depend on any domain app's templates; the app's own channel templates load as usual.
"""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model

from notifications.models import NotificationPreference, WebhookFormat
from notifications.services import Message

PING_TEMPLATES = {
    # "Today" and "Yes" come translated with Django itself, so each language shows in the output.
    "notifications/ping_subject.txt": '{% load i18n %}{% translate "Today" %}: {{ title }}',
    "notifications/ping_body.txt": '{% load i18n %}{% translate "Yes" %}, {{ title }} needs you.',
}
SECRET = "s3cret-of-carol"


@pytest.fixture(autouse=True)
def ping_templates(settings):
    engine = settings.TEMPLATES[0]
    loaders = [
        ("django.template.loaders.locmem.Loader", PING_TEMPLATES),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = [{**engine, "APP_DIRS": False, "OPTIONS": {**engine["OPTIONS"], "loaders": loaders}}]
    settings.NOTIFICATIONS_SITE_URL = "https://huiyin.example.gov.cn"


def ping(key: str = "thing:1:ping", **kwargs) -> Message:
    return Message(kind="ping", key=key, about="thing:1", link="/things/1/", context={"title": "Water"}, **kwargs)


class People:
    def __init__(self) -> None:
        User = get_user_model()
        self.alice = User.objects.create_user("alice", "alice@example.com", first_name="Alice")
        NotificationPreference.objects.create(user=self.alice, language="en")
        self.bob = User.objects.create_user("bob", "bob@example.com", first_name="Bob")
        self.carol = User.objects.create_user("carol", "", first_name="Carol")
        self.dave = User.objects.create_user("dave", "dave@example.com", first_name="Dave")
        NotificationPreference.objects.create(user=self.dave, email_enabled=False)

    def webhook(self, user, url: str, form: str = WebhookFormat.GENERIC, secret: str = SECRET) -> None:
        NotificationPreference.objects.update_or_create(
            user=user,
            defaults={"webhook_enabled": True, "webhook_url": url, "webhook_format": form, "webhook_secret": secret},
        )


@pytest.fixture
def people(db) -> People:
    return People()


@dataclass
class Received:
    path: str
    query: dict
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that records every request and answers as told."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, bytes]] = field(default_factory=list)
    hang: bool = False
    released: threading.Event = field(default_factory=threading.Event)

    def answer(self, *answers: tuple[int, bytes]) -> None:
        """Answers for the next requests, in order; afterwards 200 with {"errcode": 0}."""
        self.answers.extend(answers)

    def signature_valid(self, request: Received, secret: str = SECRET) -> bool:
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(request.headers.get("X-Huiyin-Signature", ""), expected)


@pytest.fixture
def receiver(settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            parts = urlsplit(self.path)
            state.received.append(Received(parts.path, parse_qs(parts.query), dict(self.headers), body))
            if state.hang:
                state.released.wait(5)
            status, answer = state.answers.pop(0) if state.answers else (200, b'{"errcode": 0, "errmsg": "ok"}')
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", f"{state.url}/elsewhere")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.released.set()
    server.shutdown()
    server.server_close()
