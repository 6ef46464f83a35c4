from django.urls import re_path

from machi.reports import views

app_name = "reports"
# <year> is the fiscal year (西暦), <ward_code> the ward's 全国地方公共団体コード, as on the ledger pages.
YEAR = r"(?P<fiscal_year>\d{4})"
WARD = r"(?P<ward_code>\d{6})"
urlpatterns = [
    re_path(rf"^{YEAR}/$", views.city_page, name="city"),
    re_path(rf"^{YEAR}/report\.csv$", views.city_csv, name="city_csv"),
    re_path(rf"^{YEAR}/report\.xlsx$", views.city_xlsx, name="city_xlsx"),
    re_path(rf"^{YEAR}/{WARD}/$", views.ward_page, name="ward"),
    re_path(rf"^{YEAR}/{WARD}/report\.csv$", views.ward_csv, name="ward_csv"),
    re_path(rf"^{YEAR}/{WARD}/report\.xlsx$", views.ward_xlsx, name="ward_xlsx"),
    re_path(rf"^{YEAR}/{WARD}/ledger\.csv$", views.ledger_csv, name="ledger_csv"),
]
