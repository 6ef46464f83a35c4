"""The pages of residents' requests under /requests/."""

from django.urls import path, register_converter

from machi.requests.views import photos, public, report, staff


class RequestCode:
    """A request's service_request_id: the ward's code, the fiscal year and the number (431010-2026-3)."""

    regex = r"[0-9]{6}-[0-9]{4}-[0-9]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RequestCode, "rcode")

app_name = "requests"

urlpatterns = [
    # --- Reporting, following, my reports, the public list and map, staff's queue (views.report,
    # views.public, views.staff) ---
    path("", public.index, name="index"),
    path("report/", report.report, name="report"),
    path("mine/", report.mine, name="mine"),
    path("mine/<rcode:code>/", report.my_request, name="my_request"),
    path("mine/<rcode:code>/reopen/", report.reopen, name="reopen"),
    path("mine/<rcode:code>/withdraw/", report.withdraw, name="withdraw"),
    path("staff/", staff.queue, name="queue"),
    path("staff/new/", staff.staff_phoned, name="staff_phoned"),
    path("staff/<rcode:code>/", staff.staff_request, name="staff_request"),
    path("staff/<rcode:code>/expenditures/", staff.staff_expenditure, name="staff_expenditure"),
    path(
        "staff/<rcode:code>/expenditures/<int:expenditure_id>/refund/",
        staff.staff_refund,
        name="staff_refund",
    ),
    path("<rcode:code>/follow/", report.follow, name="follow"),
    path("<rcode:code>/", public.request_page, name="request"),
    # --- end of the pages part ---
    #
    # --- Photos and statistics (views.photos, views.stats) ---
    path("photos/<int:photo_id>/", photos.photo, name="photo"),
    # --- end of photos and statistics ---
]
