"""The events' open data, feeds and money pages, under /events/ledger/ (namespace `events_ledger`).

- opendata.csv — イベント一覧 CSV of the public events (?ward=431010&year=2026&encoding=cp932);
- feeds/<ward code>.ics — a ward's public events; feeds/events/<id>.ics — one event's sessions;
- <event id>/expenses/ — staff record the event's expenses; expenses/<id>/withdraw/ takes one back.
"""

from django.urls import path, re_path

from machi.events.views import feeds, money

app_name = "events_ledger"

urlpatterns = [
    path("opendata.csv", feeds.opendata_csv, name="opendata"),
    re_path(r"^feeds/(?P<ward_code>\d{6})\.ics$", feeds.ward_feed, name="ward_feed"),
    path("feeds/events/<int:event_id>.ics", feeds.event_feed, name="event_feed"),
    path("<int:event_id>/expenses/", money.expenses, name="expenses"),
    path("expenses/<int:expense_id>/withdraw/", money.withdraw, name="withdraw_expense"),
]
