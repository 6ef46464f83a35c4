from django.urls import path, re_path

from machi.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.index, name="index"),
    # /2022/431010/: a fiscal year (西暦) and the ward's 全国地方公共団体コード.
    re_path(r"^(?P<fiscal_year>\d{4})/(?P<ward_code>\d{6})/$", views.programme_page, name="programme"),
    path("projects/<int:project_id>/", views.project_page, name="project"),
]
