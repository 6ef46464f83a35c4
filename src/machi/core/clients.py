"""Which address a request comes from, as django-axes and the mail limits both count it.

Without a reverse proxy (`MACHI_PROXY_COUNT=0`) it is the connection's own address: an
`X-Forwarded-For` header is anyone's to write and is ignored. Behind N proxies, each appends the
address it was reached from, so the client is the N-th entry from the right; entries further
left were written by the client and are not believed. A request that did not pass all N proxies
(fewer entries) is counted by its connection's address.
"""

from django.conf import settings


def client_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    return forwarded[-proxies] if len(forwarded) >= proxies else remote
