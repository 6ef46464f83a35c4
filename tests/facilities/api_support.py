"""Helpers for the facilities API tests: a client with a person's token, JSON posts, a bookable day."""

import datetime
import json

from django.test import Client
from django.utils import timezone

from machi.accounts.actions import create_token
from machi.accounts.actors import SYSTEM
from machi.facilities.queries import add_months


def bearer(user) -> Client:
    """A client that sends the person's own personal token."""
    _, plain = create_token(actor=SYSTEM, user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


def post(client: Client, path: str, body=None, **headers):
    data = "" if body is None else json.dumps(body, ensure_ascii=False)
    return client.post(path, data, content_type="application/json", **headers)


def bookable_day(offset: int = 0) -> datetime.date:
    """A day of next month: its window opened on the 1st of last month (2 months ahead, default rules).

    The API books against the real clock, so the tests pick days relative to today;
    the 12th is never in the year-end closure.
    """
    return add_months(timezone.localdate(), 1).replace(day=12) + datetime.timedelta(days=offset)
