"""How many mails the account pages send on request: per address and per client, each hour.

A password reset, the address check sent again, a sign-up and an address change each mail an
address that whoever asks may type. Each request is counted against that address
(`MACHI_MAILS_PER_ADDRESS_HOUR`, 3) and against the client's address (`MACHI_MAILS_PER_CLIENT_HOUR`,
20, the address django-axes counts: `machi.core.clients`), whether or not an account holds the
address, so the answer tells nothing about who is registered.

The counts are rows of a table (`MailRequest`), not Django's cache: the cache Machi runs with is
per process, and gunicorn's workers would each allow the limit. A row is written first and the
window then counted with it, outside any transaction (the views run in autocommit), so two
requests racing both see each other and neither is let past the limit: at worst both are refused.
These rows are bookkeeping, like axes' own records of failed logins, and are not audited.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from machi.accounts.models import MailRequest
from machi.core.clients import client_address
from machi.core.text import normalize

WINDOW = timedelta(hours=1)


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def allow_mail(request, address: str) -> bool:
    """Count a mail asked for to `address` by this request's client; False if over either limit."""
    now = timezone.now()
    limits = {_key("address", normalize(address).lower()): settings.MACHI_MAILS_PER_ADDRESS_HOUR}
    if client := client_address(request):
        limits[_key("client", client)] = settings.MACHI_MAILS_PER_CLIENT_HOUR
    made = [MailRequest.objects.create(key=key, at=now).pk for key in limits]
    counts = dict(
        MailRequest.objects.filter(key__in=limits, at__gt=now - WINDOW)
        .values("key")
        .annotate(n=Count("pk"))
        .values_list("key", "n")
    )
    if any(counts.get(key, 0) > limit for key, limit in limits.items()):
        MailRequest.objects.filter(pk__in=made).delete()  # a refused request does not count
        return False
    MailRequest.objects.filter(at__lte=now - WINDOW).delete()
    return True
