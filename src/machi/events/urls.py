from django.urls import path

from machi.events.views import organiser, public, staff

app_name = "events"

urlpatterns = [
    path("", public.index, name="index"),
    path("<int:event_id>/", public.event, name="event"),
    path("<int:event_id>/register/", public.register, name="register"),
    path("mine/", public.mine, name="mine"),
    path("registrations/<int:registration_id>/", public.registration, name="registration"),
    path("registrations/<int:registration_id>/cancel/", public.cancel, name="cancel"),
    path("organise/", organiser.index, name="organise"),
    path("organise/groups/<int:group_id>/new/", organiser.propose, name="organise_new"),
    path("organise/<int:event_id>/edit/", organiser.edit, name="organise_edit"),
    path("manage/", staff.index, name="manage"),
    path("manage/new/", staff.new, name="manage_new"),
    path("manage/<int:event_id>/", staff.event, name="manage_event"),
    path("manage/<int:event_id>/edit/", staff.edit, name="manage_edit"),
    path("manage/<int:event_id>/publish/", staff.publish, name="manage_publish"),
    path("manage/<int:event_id>/approve/", staff.approve, name="manage_approve"),
    path("manage/<int:event_id>/decline/", staff.decline, name="manage_decline"),
    path("manage/<int:event_id>/cancel/", staff.cancel_event, name="manage_cancel"),
    path("manage/<int:event_id>/phone/", staff.phone, name="manage_phone"),
    path("manage/<int:event_id>/roster/", staff.roster, name="manage_roster"),
    path("manage/registrations/<int:registration_id>/", staff.registration, name="manage_registration"),
]
