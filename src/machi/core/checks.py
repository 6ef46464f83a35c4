"""Start-up checks of Machi's own settings (`machi check`, and every `machi` command and server start)."""

from django.conf import settings
from django.core.checks import Warning, register

from machi.core.mail import DEFAULT_SITE_URL


@register()
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
