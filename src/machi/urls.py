from django.contrib import admin
from django.urls import include, path

from machi.accounts.privacy_views import privacy_page
from machi.api import api
from machi.core import health

admin.site.site_header = "Machi 管理"
admin.site.site_title = "Machi"

urlpatterns = [
    path("healthz/live", health.live, name="healthz-live"),
    path("healthz/ready", health.ready, name="healthz-ready"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("machi.accounts.urls")),
    path("privacy/", privacy_page, name="privacy"),
    path("reports/", include("machi.reports.urls")),
    path("facilities/", include("machi.facilities.urls")),
    path("grants/", include("machi.grants.urls")),
    path("events/ledger/", include("machi.events.urls_feeds")),
    path("events/door/", include("machi.events.urls_door")),
    path("events/", include("machi.events.urls")),
    path("open311/v2/", include("machi.requests.urls")),
    path("requests/", include("machi.requests.urls_pages")),
    path("", include("machi.ledger.urls")),
]

# A page that refuses what its address asks for (a date beyond the years Machi handles) says why.
handler400 = "machi.core.views.bad_request"
# An error no view handled: the API answers in its JSON shape, a page with the 500 page (503 when
# the database is away).
handler500 = "machi.core.views.server_error"
