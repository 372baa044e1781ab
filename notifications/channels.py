"""The ways out of the system besides the inbox: one small class per channel, in a registry.

A channel raises ``TransientError`` when the same send may work later (network trouble, timeouts,
HTTP 5xx and 429, a robot's rate limit) and ``PermanentError`` when it would fail the same way
again (HTTP 4xx, a refused or missing address, a channel the person turned off). It reads the
recipient's preference at send time, so a change of mind applies to what is still waiting.
"""

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import smtplib
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlencode, urljoin, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Delivery, DeliveryChannel, NotificationPreference, WebhookFormat
from .selectors import preference_for_user

WEBHOOK_TIMEOUT = 10  # seconds, well below the time after which a "sending" delivery is reclaimed
ANSWER_LIMIT = 64 * 1024
WECOM_CONTENT_LIMIT = 4096  # bytes of markdown a WeCom robot accepts


class TransientError(Exception):
    """Worth another attempt later."""


class PermanentError(Exception):
    """Another attempt would fail the same way."""


class Channel(Protocol):
    def send(self, delivery: Delivery) -> None: ...


def absolute_link(link: str) -> str:
    """Links are stored relative to the site; outside it they need NOTIFICATIONS_SITE_URL in front."""
    base = getattr(settings, "NOTIFICATIONS_SITE_URL", "")
    return urljoin(base, link) if base and link else link


def render(template: str, delivery: Delivery, preference: NotificationPreference) -> str:
    notification = delivery.notification
    with translation.override(preference.language):
        return render_to_string(
            template, {"notification": notification, "url": absolute_link(notification.link)}
        ).strip()


def email_send(message: EmailMessage) -> None:
    """Send one e-mail through Django's mail backend, telling a refusal that will repeat (``PermanentError``)
    from trouble that may pass (``TransientError``). Also used for the mails of accounts (invitations)."""
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _reply in error.recipients.values()]
        text = _("The mail server refused the address: %(error)s") % {"error": error.recipients}
        if codes and all(code >= 500 for code in codes):
            raise PermanentError(text) from error
        raise TransientError(text) from error
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused) as error:
        # Our account or sender address, not this message: once the settings are fixed, retries pass.
        raise TransientError(_("The mail server refused our account: %(error)s") % {"error": error}) from error
    except smtplib.SMTPResponseException as error:
        text = _("The mail server refused the message: %(error)s") % {"error": error}
        if error.smtp_code >= 500:
            raise PermanentError(text) from error
        raise TransientError(text) from error
    except OSError as error:  # SMTPException, refused connections and timeouts alike
        raise TransientError(_("The mail server could not be reached: %(error)s") % {"error": error}) from error


class EmailChannel:
    """Through Django's mail backend, so settings choose console, file or SMTP."""

    def send(self, delivery: Delivery) -> None:
        notification = delivery.notification
        recipient = notification.recipient
        if not recipient.email:
            raise PermanentError(_("The recipient has no e-mail address."))
        preference = preference_for_user(recipient)
        if not preference.email_enabled:
            raise PermanentError(_("The recipient turned e-mail off."))
        email_send(
            EmailMessage(
                # A header cannot hold a line break, and a template's output may.
                subject=" ".join(notification.subject.split()),
                body=render("notifications/email_body.txt", delivery, preference),
                to=[recipient.email],
                headers={"X-Huiyin-Delivery": str(delivery.pk)},
            )
        )


@dataclass(frozen=True)
class Outgoing:
    url: str
    body: bytes
    headers: dict[str, str]


def json_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


class GenericFormat:
    """Our own JSON, signed so the receiver can check it came from us."""

    def build(self, delivery: Delivery, preference: NotificationPreference, now: datetime) -> Outgoing:
        notification = delivery.notification
        # X-Huiyin-Delivery repeats "delivery" for receivers that dedupe before parsing.
        body = json_bytes(
            {
                "id": notification.pk,
                # A message reclaimed from a dead worker may arrive twice: the receiver dedupes on this.
                "delivery": delivery.pk,
                "key": notification.key,
                "kind": notification.kind,
                "subject": notification.subject,
                "body": notification.body,
                "link": absolute_link(notification.link),
                "about": notification.about,
                "created_at": notification.created_at.isoformat(),
            }
        )
        headers = {"X-Huiyin-Timestamp": str(int(now.timestamp()))}
        if preference.webhook_secret:
            digest = hmac.new(preference.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Huiyin-Signature"] = f"sha256={digest}"
        return Outgoing(preference.webhook_url, body, headers)

    def check(self, answer: bytes) -> None:
        """Any 2xx will do."""


class RobotFormat:
    """Group robots answer HTTP 200 with ``{"errcode": ..., "errmsg": ...}``, even when they refuse."""

    # The errcodes that mean "too many messages for now" (20 a minute per robot), which passes.
    rate_limited: frozenset[int] = frozenset()

    def check(self, answer: bytes) -> None:
        try:
            reply = json.loads(answer)
        except ValueError as error:
            # An HTML page from a proxy in between, most likely; the robot may answer properly later.
            raise TransientError(_("The robot's answer is not JSON.")) from error
        errcode = reply.get("errcode") if isinstance(reply, dict) else None
        if errcode == 0:
            return
        text = _("The robot refused the message: %(errmsg)s (errcode %(errcode)s).") % {
            "errmsg": reply.get("errmsg", "") if isinstance(reply, dict) else reply,
            "errcode": errcode,
        }
        if errcode in self.rate_limited:
            raise TransientError(text)
        raise PermanentError(text)


class WeComFormat(RobotFormat):
    rate_limited = frozenset({45009})

    def build(self, delivery: Delivery, preference: NotificationPreference, now: datetime) -> Outgoing:
        content = render("notifications/webhook_markdown.txt", delivery, preference)
        content = content.encode()[:WECOM_CONTENT_LIMIT].decode(errors="ignore")
        return Outgoing(
            preference.webhook_url, json_bytes({"msgtype": "markdown", "markdown": {"content": content}}), {}
        )


class DingTalkFormat(RobotFormat):
    rate_limited = frozenset({130101})

    def build(self, delivery: Delivery, preference: NotificationPreference, now: datetime) -> Outgoing:
        text = render("notifications/webhook_markdown.txt", delivery, preference)
        body = json_bytes({"msgtype": "markdown", "markdown": {"title": delivery.notification.subject, "text": text}})
        url = preference.webhook_url
        if preference.webhook_secret:
            url = dingtalk_signed(url, preference.webhook_secret, now)
        return Outgoing(url, body, {})


def dingtalk_signed(url: str, secret: str, now: datetime) -> str:
    """DingTalk's "加签": HMAC-SHA256 of "<milliseconds>\\n<secret>" keyed with the secret, base64, URL-encoded."""
    timestamp = str(int(now.timestamp() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    separator = "&" if urlsplit(url).query else "?"
    return url + separator + urlencode({"timestamp": timestamp, "sign": base64.b64encode(digest).decode()})


def address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Public addresses, and private ones the operator listed in NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS.

    Anyone may enter a webhook address; without this, they could make the worker call services
    inside the network it runs in.
    """
    networks = getattr(settings, "NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS", [])
    return address.is_global or any(address in ipaddress.ip_network(network) for network in networks)


def address_check(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentError(_("The webhook address must start with http:// or https://."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except ValueError as error:
        raise PermanentError(_("The webhook address has an invalid port.")) from error
    except OSError as error:
        raise TransientError(
            _("The webhook host %(host)s could not be resolved: %(error)s") % {"host": parts.hostname, "error": error}
        ) from error
    for *_rest, sockaddr in found:
        # An IPv4 or IPv6 address is a str; the stubs also allow the int of families a stream lookup never gives.
        if not address_allowed(ipaddress.ip_address(str(sockaddr[0]).split("%")[0])):
            raise PermanentError(
                _("The webhook host %(host)s is in a private network, which is not allowed.") % {"host": parts.hostname}
            )


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirected POST would arrive as an empty GET; the 3xx is reported instead."""

    def redirect_request(self, *args, **kwargs) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def post(outgoing: Outgoing, delivery: Delivery) -> bytes:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Huiyin",
        "X-Huiyin-Delivery": str(delivery.pk),
        **outgoing.headers,
    }
    request = urllib.request.Request(outgoing.url, data=outgoing.body, headers=headers, method="POST")
    try:
        with OPENER.open(request, timeout=WEBHOOK_TIMEOUT) as response:
            return response.read(ANSWER_LIMIT)
    except urllib.error.HTTPError as error:
        try:
            answer = error.read(500).decode(errors="replace")
        finally:
            error.close()
        text = _("The receiver answered HTTP %(status)s: %(answer)s") % {"status": error.code, "answer": answer}
        if error.code == 429 or error.code >= 500:
            raise TransientError(text) from error
        raise PermanentError(text) from error
    except (OSError, http.client.HTTPException) as error:  # URLError, refused connections, timeouts
        reason = getattr(error, "reason", None) or error
        raise TransientError(_("The receiver could not be reached: %(error)s") % {"error": reason}) from error


class WebhookShape(Protocol):
    """How a webhook format writes its request and reads the receiver's answer."""

    def build(self, delivery: Delivery, preference: NotificationPreference, now: datetime) -> Outgoing: ...

    def check(self, answer: bytes) -> None: ...


class WebhookChannel:
    """A JSON POST with the standard library, in the format the person chose."""

    formats: dict[str, WebhookShape] = {
        WebhookFormat.GENERIC: GenericFormat(),
        WebhookFormat.WECOM: WeComFormat(),
        WebhookFormat.DINGTALK: DingTalkFormat(),
    }

    def send(self, delivery: Delivery) -> None:
        preference = preference_for_user(delivery.notification.recipient)
        if not (preference.webhook_enabled and preference.webhook_url):
            raise PermanentError(_("The recipient turned webhooks off."))
        shape = self.formats[preference.webhook_format]
        outgoing = shape.build(delivery, preference, timezone.now())
        address_check(outgoing.url)
        shape.check(post(outgoing, delivery))


CHANNELS: dict[str, Channel] = {
    DeliveryChannel.EMAIL: EmailChannel(),
    DeliveryChannel.WEBHOOK: WebhookChannel(),
}
