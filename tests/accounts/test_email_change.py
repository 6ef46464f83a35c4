"""A new address takes over only once its holder confirms it: until then the old address is the login and the mail's."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.utils import timezone
from tests.accounts.test_signup import GOOD, SIGNUP, link_in

from machi.accounts import actions
from machi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
PROFILE = "/accounts/profile/"
LOGIN = "/accounts/login/"
PASSWORD = "kumamoto-castle-2022"


@pytest.fixture
def hanako(django_user_model):
    return django_user_model.objects.create_user(
        "hanako@example.jp",
        "hanako@example.jp",
        PASSWORD,
        display_name="熊本 花子",
        email_verified_at=timezone.now(),
    )


def details(email: str) -> dict:
    return {"display_name": "熊本 花子", "name_kana": "", "email": email, "phone": "", "home_ward": "",
            "school_district": "", "preferred_language": "ja"}  # fmt: skip


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def change_link(message) -> str:
    match = re.search(r"http://testserver(/accounts/email/confirm/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def logs_in(client, username: str, password: str = PASSWORD) -> bool:
    client.post(LOGIN, {"username": username, "password": password})
    signed_in = SESSION_KEY in client.session
    client.logout()
    return signed_in


def test_until_the_new_address_is_confirmed_the_old_one_stays_the_login(client, hanako):
    client.force_login(hanako)
    client.post(PROFILE, details("owner@example.jp"))
    client.logout()
    hanako.refresh_from_db()
    assert (hanako.username, hanako.email, hanako.pending_email) == (
        "hanako@example.jp",
        "hanako@example.jp",
        "owner@example.jp",
    )
    assert logs_in(client, "hanako@example.jp") and not logs_in(client, "owner@example.jp")


def test_the_real_owner_can_still_sign_up_and_the_pending_change_then_fails_cleanly(client, hanako):
    client.force_login(hanako)
    client.post(PROFILE, details("owner@example.jp"))
    client.logout()
    [pending] = sent_to("owner@example.jp")
    pending_link = change_link(pending)
    client.post(SIGNUP, {**GOOD, "email": "owner@example.jp", "display_name": "本当の 持ち主"})
    [_, signed_up] = sent_to("owner@example.jp")
    owner_link = link_in(signed_up)
    assert signed_up.body.startswith("本当の 持ち主 様")
    client.get(owner_link)  # the owner confirms first
    page = client.get(pending_link)
    assert page.status_code == 400 and "ほかのアカウントで使われているため" in page.content.decode()
    hanako.refresh_from_db()
    assert (hanako.email, hanako.username, hanako.pending_email) == (
        "hanako@example.jp",
        "hanako@example.jp",
        "",
    )
    assert logs_in(client, "owner@example.jp", GOOD["password1"])
    assert AuditEntry.objects.filter(
        action="accounts.change_email_refused", object_id=str(hanako.pk)
    ).exists()


def test_confirming_switches_the_address_and_a_web_sign_ups_login_with_it(client, hanako):
    client.force_login(hanako)
    client.post(PROFILE, details("new@example.jp"))
    client.logout()
    [link] = sent_to("new@example.jp")
    client.get(change_link(link))
    hanako.refresh_from_db()
    assert (hanako.username, hanako.email, hanako.pending_email) == ("new@example.jp", "new@example.jp", "")
    assert logs_in(client, "new@example.jp") and not logs_in(client, "hanako@example.jp")
    entry = AuditEntry.objects.get(action="accounts.change_email")
    assert entry.before["pending_email"] == "new@example.jp" and entry.after["email"] == "new@example.jp"


def test_staff_keep_their_own_username_when_their_address_changes(client, django_user_model):
    staff = django_user_model.objects.create_user(
        "tanaka",
        "tanaka@city.example.jp",
        PASSWORD,
        display_name="田中 一郎",
        email_verified_at=timezone.now(),
    )
    client.force_login(staff)
    client.post(PROFILE, {**details("tanaka2@city.example.jp"), "display_name": "田中 一郎"})
    [link] = sent_to("tanaka2@city.example.jp")
    client.get(change_link(link))
    staff.refresh_from_db()
    assert (staff.username, staff.email) == ("tanaka", "tanaka2@city.example.jp")


def test_asking_again_for_another_address_voids_the_first_link(client, hanako):
    client.force_login(hanako)
    client.post(PROFILE, details("first@example.jp"))
    client.post(PROFILE, details("second@example.jp"))
    [first], [second] = sent_to("first@example.jp"), sent_to("second@example.jp")
    assert client.get(change_link(first)).status_code == 400
    hanako.refresh_from_db()
    assert hanako.email == "hanako@example.jp"
    client.get(change_link(second))
    hanako.refresh_from_db()
    assert hanako.email == "second@example.jp"


def test_a_tampered_or_reused_link_changes_nothing(client, hanako):
    client.force_login(hanako)
    client.post(PROFILE, details("new@example.jp"))
    link = change_link(mail.outbox[0])
    assert client.get(link[:-3] + "xx/").status_code == 400
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 400
    hanako.refresh_from_db()
    assert hanako.email == "new@example.jp"


def test_the_action_needs_the_link_not_the_profile_form(hanako):
    actions.update_profile(actor=hanako, user=hanako, email="elsewhere@example.jp")
    hanako.refresh_from_db()
    assert hanako.email == "hanako@example.jp" and hanako.pending_email == "elsewhere@example.jp"


def test_saving_other_details_while_a_change_waits_keeps_it_and_sends_nothing_more(client, hanako):
    client.force_login(hanako)
    client.post(PROFILE, details("new@example.jp"))
    page = client.get(PROFILE).content.decode()
    assert 'value="new@example.jp"' in page  # the form shows the address asked for
    client.post(PROFILE, {**details("new@example.jp"), "phone": "096-123-4567"})
    hanako.refresh_from_db()
    assert (hanako.phone, hanako.email, hanako.pending_email) == (
        "096-123-4567",
        "hanako@example.jp",
        "new@example.jp",
    )
    assert len(mail.outbox) == 2  # the link to the new address, a word to the old one
    client.post(PROFILE, details("hanako@example.jp"))  # back to the address it has: the change is dropped
    hanako.refresh_from_db()
    assert hanako.pending_email == "" and len(mail.outbox) == 2


def test_the_old_address_hears_of_the_request_without_the_new_address_or_the_link(client, hanako):
    client.force_login(hanako)
    client.post(PROFILE, details("someone-else@example.jp"))
    [notice] = sent_to("hanako@example.jp")
    assert notice.subject == "【Machi】メールアドレスの変更の申し込みがありました"
    assert "すぐにパスワードを変更してください" in notice.body
    assert "http://testserver/accounts/password/change/" in notice.body
    assert "someone-else" not in notice.body and "/accounts/email/confirm/" not in notice.body
