from django.urls import path, re_path

from machi.ledger import views, views_staff

app_name = "ledger"
urlpatterns = [
    path("", views.index, name="index"),
    # /2022/431010/: a fiscal year (西暦) and the ward's 全国地方公共団体コード.
    re_path(r"^(?P<fiscal_year>\d{4})/(?P<ward_code>\d{6})/$", views.programme_page, name="programme"),
    path("projects/<int:project_id>/", views.project_page, name="project"),
    # Ward staff's pages: their wards, a ward's years, carrying a year forward.
    path("manage/wards/", views_staff.wards, name="manage_wards"),
    re_path(r"^manage/wards/(?P<ward_code>\d{6})/$", views_staff.ward, name="manage_ward"),
    re_path(
        r"^manage/wards/(?P<ward_code>\d{6})/(?P<fiscal_year>\d{4})/carry-forward/$",
        views_staff.carry_forward,
        name="carry_forward",
    ),
]
