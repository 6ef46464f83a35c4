"""Open311 GeoReport v2: /open311/v2/<resource>.<json|xml>."""

from django.urls import path

from machi.requests import open311

FMT = "<str:fmt>"

urlpatterns = [
    path(f"discovery.{FMT}", open311.discovery, name="open311-discovery"),
    path(f"services.{FMT}", open311.services, name="open311-services"),
    path(f"services/<str:code>.{FMT}", open311.service_definition, name="open311-service"),
    path(f"requests.{FMT}", open311.requests_, name="open311-requests"),
    path(f"requests/<str:code>.{FMT}", open311.one_request, name="open311-request"),
]
