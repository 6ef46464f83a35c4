"""The iCalendar feeds, under /facilities/ical/ (included by facilities/urls.py)."""

from django.urls import path

from machi.facilities.views import feeds

urlpatterns = [
    path("ical/rooms/<int:room_id>.ics", feeds.room_feed, name="room_feed"),
    path("ical/mine/<str:token>.ics", feeds.holder_feed, name="holder_feed"),
]
