"""The pages of residents' requests under /requests/."""

from django.urls import path

from machi.requests.views import photos, stats

app_name = "requests"

urlpatterns = [
    # --- Reporting, following, my reports, the public list and map, staff's queue (views.report,
    # views.public, views.staff) ---
    # --- end of the pages part ---
    #
    # --- Photos and statistics (views.photos, views.stats) ---
    path("photos/<int:photo_id>/", photos.photo, name="photo"),
    path("stats/", stats.stats, name="stats"),
    # --- end of photos and statistics ---
]
