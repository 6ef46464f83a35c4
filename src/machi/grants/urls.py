from django.urls import include, path

from machi.grants.views import applicant, staff

app_name = "grants"

urlpatterns = [
    path("", applicant.index, name="index"),
    path("programmes/<int:programme_id>/apply/", applicant.start, name="start"),
    path("mine/", applicant.mine, name="mine"),
    path("applications/<int:application_id>/", applicant.application, name="application"),
    path("applications/<int:application_id>/edit/", applicant.edit, name="edit"),
    path("applications/<int:application_id>/submit/", applicant.submit, name="submit"),
    path("applications/<int:application_id>/withdraw/", applicant.withdraw, name="withdraw"),
    path("applications/<int:application_id>/comment/", applicant.comment, name="comment"),
    path("applications/<int:application_id>/attachments/", applicant.attach, name="attach"),
    path(
        "applications/<int:application_id>/attachments/<int:attachment_id>/",
        applicant.attachment,
        name="attachment",
    ),
    path("applications/<int:application_id>/report/", applicant.report, name="report"),
    path("manage/", staff.index, name="manage"),
    path("manage/applications/", staff.applications, name="manage_applications"),
    path("manage/programmes/<int:programme_id>/", staff.programme, name="manage_programme"),
    path("manage/applications/<int:application_id>/", staff.application, name="manage_application"),
    path("manage/applications/<int:application_id>/<slug:step>/", staff.act, name="manage_act"),
    path("", include("machi.grants.urls_documents")),
]
