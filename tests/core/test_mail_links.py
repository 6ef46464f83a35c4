"""Links in mail are built one way (machi.core.mail.absolute_url): MACHI_SITE_URL when set, else the host of
the request that started the action, else (background tasks, the command line) DEFAULT_SITE_URL."""

from machi.core import mail
from machi.core.checks import site_url_is_set


def test_machi_site_url_wins_over_the_requests_host(rf, settings):
    settings.MACHI_SITE_URL = "https://machi.city.example.jp"
    request = rf.get("/", HTTP_HOST="localhost")
    assert mail.absolute_url("/facilities/mine/", request) == "https://machi.city.example.jp/facilities/mine/"


def test_unset_the_requests_scheme_and_host_then_the_default(rf, settings):
    settings.MACHI_SITE_URL = ""
    request = rf.get("/", HTTP_HOST="localhost:8123")
    assert mail.absolute_url("/x/", request) == "http://localhost:8123/x/"
    assert mail.absolute_url("/x/") == f"{mail.DEFAULT_SITE_URL}/x/"


def test_production_without_machi_site_url_is_warned_at_start_up(settings):
    settings.DEBUG, settings.MACHI_SITE_URL = False, ""
    (warning,) = site_url_is_set()
    assert warning.id == "machi.W001" and "MACHI_SITE_URL" in warning.msg
    settings.MACHI_SITE_URL = "https://machi.city.example.jp"
    assert site_url_is_set() == []
