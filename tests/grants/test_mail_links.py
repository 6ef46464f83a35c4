"""Grant mail links to the application, on the host of the request that started the step."""

import pytest
from django.core import mail as outbox
from django.http import HttpResponse
from django.test import RequestFactory
from tests.grants.conftest import IN_WINDOW

from machi.core import mail
from machi.grants import actions

pytestmark = pytest.mark.django_db


def test_grant_mail_sent_while_serving_a_request_links_to_its_host(
    draft, applicant, settings, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "machi.example.org"]
    settings.MACHI_SITE_URL = ""

    def view(request):
        with django_capture_on_commit_callbacks(execute=True):  # the step commits while the request is served
            actions.submit(actor=applicant, application=draft, now=IN_WINDOW)
        return HttpResponse()

    request = RequestFactory().post("/", HTTP_HOST="machi.example.org")
    mail.RequestOriginMiddleware(view)(request)
    assert f"http://machi.example.org/grants/applications/{draft.pk}/" in outbox.outbox[-1].body
    assert mail.site_url() == mail.DEFAULT_SITE_URL  # forgotten once the response is made
