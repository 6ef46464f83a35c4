"""The account mails are written in the addressee's language, not the language of the page that caused them."""

import pytest
from django.core import mail
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def mary(django_user_model):
    return django_user_model.objects.create_user(
        "mary@example.com",
        "mary@example.com",
        "kumamoto-castle-2022",
        display_name="Mary Smith",
        preferred_language="en",
        email_verified_at=timezone.now(),
    )


def test_a_password_reset_asked_for_on_a_japanese_page_is_mailed_in_english_to_an_english_speaker(
    client, mary
):
    page = client.get("/accounts/password/reset/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert 'lang="ja"' in page
    client.post("/accounts/password/reset/", {"email": "mary@example.com"}, HTTP_ACCEPT_LANGUAGE="ja")
    [message] = mail.outbox
    assert message.to == ["mary@example.com"]
    assert message.subject == "[Machi] Reset your password"
    assert "Open this link to choose a new password:" in message.body
    assert "http://testserver/accounts/password/reset/" in message.body


def test_a_changed_address_is_checked_in_english_for_an_english_speaker(client, mary):
    client.force_login(mary)
    client.post(
        "/accounts/profile/",
        {
            "email": "mary.new@example.com",
            "display_name": "Mary Smith",
            "name_kana": "",
            "phone": "",
            "home_ward": "",
            "preferred_language": "en",
        },
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    [message, notice] = mail.outbox
    assert (
        notice.to == [mary.email] and notice.subject == "[Machi] A change of your email address was requested"
    )
    assert message.to == ["mary.new@example.com"]
    assert message.subject == "[Machi] Confirm your new email address"
    assert len(message.subject.splitlines()) == 1
