from django.urls import path  # noqa: F401  (the lottery pages are added here)

urlpatterns = []
