"""A mail server that is down, for the tests that prove mail never decides an answer (fixture `mail_down`)."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class MailServerDown(BaseEmailBackend):
    """A mail backend whose server never answers; `tried` holds every message handed to it."""

    tried: list = []

    def send_messages(self, messages):
        MailServerDown.tried.extend(messages)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
