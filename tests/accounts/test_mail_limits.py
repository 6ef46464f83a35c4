"""Mails sent on request are limited per address and per client, alike for registered and unknown addresses.

The `client` fixture (tests/accounts/conftest.py) runs each request's after-commit mail.
"""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db
RESET = "/accounts/password/reset/"
SIGNUP = "/accounts/signup/"
RESEND = "/accounts/verify/resend/"


@pytest.fixture
def hanako(django_user_model):
    return django_user_model.objects.create_user(
        "hanako@example.jp", "hanako@example.jp", "kumamoto-castle-2022", email_verified_at=timezone.now()
    )


def shown(response) -> str:
    return re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())


def test_twenty_five_resets_in_a_row_send_three_mails_and_unknown_addresses_get_the_same_answers(
    client, hanako
):
    registered = [client.post(RESET, {"email": "hanako@example.jp"}) for _ in range(25)]
    unknown = [client.post(RESET, {"email": "nobody@example.jp"}) for _ in range(25)]
    assert len(mail.outbox) == 3 and {m.to[0] for m in mail.outbox} == {"hanako@example.jp"}
    assert [r.status_code for r in registered] == [r.status_code for r in unknown] == [302] * 3 + [429] * 22
    assert shown(registered[-1]) == shown(unknown[-1])
    assert "1時間ほどたってから" in registered[-1].content.decode()


def test_the_address_limit_holds_whichever_client_asks(hanako, django_capture_on_commit_callbacks):
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            Client(REMOTE_ADDR=f"192.0.2.{n}").post(RESET, {"email": "HANAKO@example.jp"})
    assert len(mail.outbox) == 3


def test_one_client_may_ask_for_twenty_mails_an_hour_and_another_client_is_not_held_back(client, settings):
    settings.MACHI_MAILS_PER_CLIENT_HOUR = 20
    answers = [client.post(RESET, {"email": f"person{n}@example.jp"}).status_code for n in range(21)]
    assert answers == [302] * 20 + [429]
    assert Client(REMOTE_ADDR="192.0.2.9").post(RESET, {"email": "other@example.jp"}).status_code == 302


def test_a_forged_forwarded_for_header_does_not_make_a_new_client_without_a_proxy(settings):
    settings.MACHI_MAILS_PER_CLIENT_HOUR = 2
    answers = [
        Client(REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        .post(RESET, {"email": f"p{n}@example.jp"})
        .status_code
        for n in range(3)
    ]
    assert answers == [302, 302, 429]


def test_behind_a_proxy_the_client_is_the_one_the_proxy_saw_as_for_the_login_lock(settings):
    settings.PROXY_COUNT = 1
    settings.MACHI_MAILS_PER_CLIENT_HOUR = 2
    answers = [
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.4, 203.0.113.{n % 2}")
        .post(RESET, {"email": f"p{n}@example.jp"})
        .status_code
        for n in range(5)
    ]
    assert answers == [302, 302, 302, 302, 429]  # two clients behind one proxy, two mails each
    Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7").post(
        "/accounts/login/", {"username": "someone", "password": "wrong"}
    )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


def test_signing_up_is_limited_per_address_alike_for_registered_and_new_addresses(client, hanako):
    form = {"password1": "aso-volcano-2023", "password2": "aso-volcano-2023", "display_name": "だれか"}
    taken = [client.post(SIGNUP, {**form, "email": "hanako@example.jp"}).status_code for _ in range(4)]
    fresh = [client.post(SIGNUP, {**form, "email": "new@example.jp"}).status_code for _ in range(4)]
    assert taken == fresh == [302, 302, 302, 429]
    assert len(mail.outbox) == 6


def test_sending_the_check_again_is_limited(client, django_user_model):
    django_user_model.objects.create_user("wait@example.jp", "wait@example.jp", is_active=False)
    answers = [client.post(RESEND, {"email": "wait@example.jp"}).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429] and len(mail.outbox) == 3


def test_an_address_change_is_limited_and_the_refused_one_is_not_saved(client, hanako):
    client.force_login(hanako)
    details = {"display_name": "熊本 花子", "name_kana": "", "phone": "", "home_ward": "", "school_district": "",
               "preferred_language": "ja"}  # fmt: skip
    for _ in range(3):
        client.post("/accounts/profile/", {**details, "email": "new@example.jp"})
        client.post("/accounts/profile/", {**details, "email": "hanako@example.jp"})  # back: no mail
    assert client.post("/accounts/profile/", {**details, "email": "new@example.jp"}).status_code == 429
    hanako.refresh_from_db()
    assert (
        hanako.pending_email == "" and len(mail.outbox) == 3 * 2
    )  # each: the link, and a word to the old address


def test_the_counts_keep_no_address_and_old_ones_are_cleared(client, hanako):
    from machi.accounts.models import MailRequest

    client.post(RESET, {"email": "hanako@example.jp"})
    assert not MailRequest.objects.filter(key__contains="hanako").exists()
    MailRequest.objects.update(at=timezone.now() - timezone.timedelta(hours=2))
    client.post(RESET, {"email": "hanako@example.jp"})
    assert MailRequest.objects.count() == 2  # the new request's two counts; the old ones gone
