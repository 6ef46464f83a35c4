from django.urls import re_path

from machi.reports import downloads, views

app_name = "reports"
# <year> is the fiscal year (西暦), <ward_code> the ward's 全国地方公共団体コード, as on the ledger pages.
YEAR = r"(?P<fiscal_year>\d{4})"
WARD = r"(?P<ward_code>\d{6})"
urlpatterns = [
    re_path(rf"^{YEAR}/$", views.city_page, name="city"),
    re_path(rf"^{YEAR}/report\.(?P<fmt>csv|xlsx|pdf)$", views.city_file, name="city_file"),
    re_path(rf"^{YEAR}/fdp\.zip$", downloads.fdp_zip, name="fdp_zip"),
    re_path(rf"^{YEAR}/{WARD}/$", views.ward_page, name="ward"),
    re_path(rf"^{YEAR}/{WARD}/report\.(?P<fmt>csv|xlsx|pdf)$", views.ward_file, name="ward_file"),
    re_path(rf"^{YEAR}/{WARD}/ledger\.csv$", views.ledger_csv, name="ledger_csv"),
]
