"""Start-up checks of Machi's own settings (`machi check`, and every `machi` command and server start).

`COMMAND_CHECKS` are the checks each of Machi's own commands runs before it starts: all but the URL
configuration's. Checking the URLs imports every page and API endpoint, a second of the two a command
like `machi token list` took, for commands that serve none; `machi check` and `runserver` still run them.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from machi.core.mail import DEFAULT_SITE_URL

MACHI = "machi"  # the tag of Machi's own checks
COMMAND_CHECKS = [
    tag for name, tag in vars(Tags).items() if not name.startswith("_") and tag != Tags.urls
] + [MACHI]


@register(MACHI)
def site_url_is_set(app_configs=None, **kwargs):
    """In production, mail sent by background tasks and the command line needs the public address."""
    if settings.DEBUG or settings.MACHI_SITE_URL:
        return []
    return [
        Warning(
            "MACHI_SITE_URL is not set: mail sent by background tasks and the command line "
            f"(lottery results, lapsed wins) will link to {DEFAULT_SITE_URL}.",
            hint="Set MACHI_SITE_URL to the site's public address, e.g. https://machi.example.jp",
            id="machi.W001",
        )
    ]


@register(MACHI, deploy=True)
def tasks_wait_for_the_worker(app_configs=None, **kwargs):
    """`machi check --deploy`: production queues its tasks in the database for `machi worker`.

    Run at once (the development default), a mail is sent inside the web request that queued it: a
    slow or absent mail server holds the request, and the servers behind a load balancer each send
    what they were asked instead of one queue all of them share."""
    if settings.MACHI_TASKS_BACKEND == "database":
        return []
    return [
        Warning(
            f"MACHI_TASKS_BACKEND is {settings.MACHI_TASKS_BACKEND!r}: background tasks (mail, lottery "
            "draws) run inside the web process that queues them.",
            hint="Set MACHI_TASKS_BACKEND=database on every Machi process and run `machi worker`.",
            id="machi.W002",
        )
    ]
