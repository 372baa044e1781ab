"""The e-mails of accounts (an invitation, a password reset): rendered from templates in the person's
language. They are not notifications: they carry a link that lets someone in, so no copy of them is kept."""

from datetime import datetime

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation


def beijing_time(moment: datetime) -> str:
    """As mails name a time: Asia/Shanghai (the site's zone), to the minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def account_mail(*, template: str, to: str, language: str, context: dict) -> EmailMessage:
    with translation.override(language):
        subject = render_to_string(f"accounts/mail/{template}_subject.txt", context)
        body = render_to_string(f"accounts/mail/{template}_body.txt", context)
    # A header cannot hold a line break, and a template's output may.
    return EmailMessage(subject=" ".join(subject.split()), body=body.strip() + "\n", to=[to])
