"""The door of an event: helpers check parties in; ward staff name helpers, draw the lottery, close the
event as held and print the roster. Mounted at /events/door/ (namespace "events_door")."""

from django.urls import path

from machi.events.views import door

app_name = "events_door"

urlpatterns = [
    path("", door.index, name="index"),
    path("<int:event_id>/", door.check_in_page, name="event"),
    path("<int:event_id>/walk-in/", door.walk_in, name="walk-in"),
    path("<int:event_id>/helpers/", door.helpers, name="helpers"),
    path("<int:event_id>/lottery/", door.lottery, name="lottery"),
    path("<int:event_id>/close/", door.close, name="close"),
    path("<int:event_id>/roster.pdf", door.roster_pdf, name="roster-pdf"),
    path("<int:event_id>/roster.xlsx", door.roster_xlsx, name="roster-xlsx"),
]
