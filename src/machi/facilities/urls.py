from django.urls import include, path

app_name = "facilities"

urlpatterns = [
    path("lotteries/", include("machi.facilities.urls_lottery")),
]
