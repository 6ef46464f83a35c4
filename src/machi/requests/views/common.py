"""What the requests pages share: the map's tile settings and a photo's address."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse

# Where the map opens when it has no point to show: 熊本市役所.
CITY_CENTRE = ("32.8031", "130.7079")


def map_settings() -> dict:
    """The tiles the map draws (settings.MACHI_MAP_TILES) and where it opens."""
    tiles = settings.MACHI_MAP_TILES
    return {
        "tiles": tiles["url"],
        "attribution": tiles["attribution"],
        "attribution_url": tiles["attribution_url"],
        "lat": CITY_CENTRE[0],
        "lon": CITY_CENTRE[1],
    }


def photo_url(photo) -> str:
    """The photo's page (staff of the ward and the requester only; the public never)."""
    try:
        return reverse("requests:photo", kwargs={"photo_id": photo.pk})
    except NoReverseMatch:  # until the photos' view is merged (req-stats)
        return ""
