"""Login by email or username, logout by POST, password reset and change in Japanese, lock-out after 5 failures.

django-axes needs the request, so logins here go through the real login view
(client.post); elsewhere tests use client.force_login.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from machi.ledger.models import Ward

pytestmark = pytest.mark.django_db
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


@pytest.fixture
def staff_member(django_user_model):
    """A member of staff with a username that is not an address (made by `machi user create`)."""
    return django_user_model.objects.create_user(
        "tanaka", "tanaka@city.example.jp", PASSWORD, email_verified_at=timezone.now()
    )


def logged_in_as(client):
    return client.session.get(SESSION_KEY)


def test_the_login_field_is_labelled_email_or_username(client):
    page = client.get(LOGIN).content.decode()
    assert ">メールアドレスまたはユーザー名<" in page and ">パスワード<" in page
    assert 'autocomplete="username"' in page and 'autocomplete="current-password"' in page
    assert 'href="/accounts/password/reset/"' in page and 'href="/accounts/signup/"' in page


@pytest.mark.parametrize(
    "typed", ["hanako@example.jp", "HANAKO@Example.jp", "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ"]
)
def test_a_resident_logs_in_with_their_address(client, hanako, typed):
    response = client.post(LOGIN, {"username": typed, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("accounts:profile")
    assert logged_in_as(client) == str(hanako.pk)


@pytest.mark.parametrize("typed", ["tanaka", "tanaka@city.example.jp"])
def test_staff_log_in_with_their_username_or_their_address(client, staff_member, typed):
    client.post(LOGIN, {"username": typed, "password": PASSWORD})
    assert logged_in_as(client) == str(staff_member.pk)


def test_a_wrong_password_is_refused_in_japanese(client, hanako):
    response = client.post(LOGIN, {"username": "hanako@example.jp", "password": "wrong-password"})
    assert response.status_code == 200
    assert "メールアドレス（ユーザー名）またはパスワードが正しくありません" in response.content.decode()
    assert logged_in_as(client) is None


def test_an_account_not_yet_confirmed_cannot_log_in_and_is_told_how_to_finish(client, django_user_model):
    django_user_model.objects.create_user("new@example.jp", "new@example.jp", PASSWORD, is_active=False)
    response = client.post(LOGIN, {"username": "new@example.jp", "password": PASSWORD})
    page = response.content.decode()
    assert "メールアドレスの確認が済んでいません" in page
    assert 'href="/accounts/verify/resend/"' in page
    assert logged_in_as(client) is None


def test_with_a_wrong_password_an_unconfirmed_account_looks_like_any_other(client, django_user_model):
    django_user_model.objects.create_user("new@example.jp", "new@example.jp", PASSWORD, is_active=False)
    page = client.post(LOGIN, {"username": "new@example.jp", "password": "wrong"}).content.decode()
    assert "確認が済んでいません" not in page and "正しくありません" in page


def test_a_deactivated_account_cannot_log_in(client, django_user_model):
    django_user_model.objects.create_user(
        "gone@example.jp", "gone@example.jp", PASSWORD, is_active=False, email_verified_at=timezone.now()
    )
    page = client.post(LOGIN, {"username": "gone@example.jp", "password": PASSWORD}).content.decode()
    assert "正しくありません" in page and "確認が済んでいません" not in page
    assert logged_in_as(client) is None


def test_five_wrong_passwords_lock_the_login_and_then_the_right_one_is_refused(client, hanako):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "hanako@example.jp", "password": "wrong-password"})
    response = client.post(LOGIN, {"username": "hanako@example.jp", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "ログインが一時的に制限されています" in page
    assert "5回" in page and "15分" in page
    assert 'href="/accounts/password/reset/"' in page
    assert logged_in_as(client) is None


def test_four_wrong_passwords_do_not_lock(client, hanako):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "hanako@example.jp", "password": "wrong-password"})
    client.post(LOGIN, {"username": "hanako@example.jp", "password": PASSWORD})
    assert logged_in_as(client) == str(hanako.pk)


def test_the_lock_holds_however_the_address_is_typed(client, hanako):
    for typed in ["hanako@example.jp", "HANAKO@example.jp", "Hanako@Example.jp", "hanako@EXAMPLE.jp"]:
        client.post(LOGIN, {"username": typed, "password": "wrong-password"})
    client.post(LOGIN, {"username": "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ", "password": "wrong-password"})
    response = client.post(LOGIN, {"username": "hanako@example.jp", "password": PASSWORD})
    assert response.status_code == 429 and logged_in_as(client) is None


def test_one_locked_account_does_not_lock_another(client, hanako, staff_member):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "hanako@example.jp", "password": "wrong-password"})
    client.post(LOGIN, {"username": "tanaka", "password": PASSWORD})
    assert logged_in_as(client) == str(staff_member.pk)


def test_login_goes_on_to_the_page_asked_for_but_never_to_another_site(client, hanako):
    response = client.post(
        LOGIN + "?next=/accounts/tokens/",
        {"username": "hanako@example.jp", "password": PASSWORD, "next": "/accounts/tokens/"},
    )
    assert response.url == "/accounts/tokens/"
    client.post("/accounts/logout/")
    response = client.post(
        LOGIN, {"username": "hanako@example.jp", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.url == reverse("accounts:profile")


def test_login_switches_the_pages_to_the_persons_language(client, hanako):
    hanako.preferred_language = "en"
    hanako.save()
    response = client.post(LOGIN, {"username": "hanako@example.jp", "password": PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_login_refuses_a_post_without_the_csrf_token(hanako):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "hanako@example.jp", "password": PASSWORD})
    assert response.status_code == 403


# --- Logout and the header --------------------------------------------------------------------


def test_logout_is_a_post_and_ends_the_session(client, hanako):
    client.force_login(hanako)
    assert client.get("/accounts/logout/").status_code == 405
    assert logged_in_as(client) == str(hanako.pk)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert logged_in_as(client) is None


def test_the_header_offers_login_to_visitors_and_my_page_and_logout_to_people(client, hanako):
    page = client.get(LOGIN).content.decode()
    assert 'href="/accounts/login/"' in page and "ログアウト" not in page
    client.force_login(hanako)
    page = client.get("/accounts/profile/").content.decode()
    header = page[page.index("<header") : page.index("</header>")]
    assert 'href="/accounts/profile/"' in header and "マイページ" in header
    assert re.search(r'<form action="/accounts/logout/" method="post">', header)
    assert "今日の仕事" not in header and 'href="/accounts/staff/"' not in header


def test_the_header_offers_staff_their_home_which_leads_to_the_group_review(client, ward_staff):
    client.force_login(ward_staff("tanaka", Ward.objects.create(code="431010", name="中央区")))
    page = client.get("/accounts/profile/").content.decode()
    assert 'href="/accounts/staff/"' in page[page.index("<header") : page.index("</header>")]
    assert 'href="/accounts/staff/groups/"' in client.get("/accounts/staff/").content.decode()


# --- Passwords --------------------------------------------------------------------------------


def reset_link(message) -> str:
    match = re.search(r"http://testserver(/accounts/password/reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_forgotten_password_is_reset_through_a_mailed_link_in_japanese(client, hanako):
    response = client.post("/accounts/password/reset/", {"email": "Hanako@example.jp"})
    assert response.url == reverse("accounts:password_reset_done")
    assert "再設定のメールを送りました" in client.get(response.url).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "【Machi】パスワードの再設定" and "熊本 花子 様" in message.body
    form = client.get(reset_link(message), follow=True)
    assert "新しいパスワードの設定" in form.content.decode()
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "aso-volcano-2023", "new_password2": "aso-volcano-2023"},
    )
    assert response.url == reverse("accounts:password_reset_complete")
    assert "パスワードを設定しました" in client.get(response.url).content.decode()
    hanako.refresh_from_db()
    assert hanako.check_password("aso-volcano-2023")
    client.post(LOGIN, {"username": "hanako@example.jp", "password": "aso-volcano-2023"})
    assert logged_in_as(client) == str(hanako.pk)


def test_a_reset_link_works_once(client, hanako):
    client.post("/accounts/password/reset/", {"email": "hanako@example.jp"})
    link = reset_link(mail.outbox[0])
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0], {"new_password1": "aso-volcano-2023", "new_password2": "aso-volcano-2023"}
    )
    page = client.get(link, follow=True).content.decode()
    assert "このリンクは使えません" in page


def test_a_weak_new_password_is_refused_in_japanese(client, hanako):
    client.post("/accounts/password/reset/", {"email": "hanako@example.jp"})
    form = client.get(reset_link(mail.outbox[0]), follow=True)
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "1234", "new_password2": "1234"})
    assert "短すぎます" in response.content.decode()
    hanako.refresh_from_db()
    assert hanako.check_password(PASSWORD)


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, hanako):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.jp"})
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_a_signed_in_person_changes_their_password(client, hanako):
    client.force_login(hanako)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "aso-volcano-2023", "new_password2": "aso-volcano-2023"},
    )
    assert response.url == reverse("accounts:profile")
    hanako.refresh_from_db()
    assert hanako.check_password("aso-volcano-2023")
    assert logged_in_as(client) == str(hanako.pk)  # still signed in


def test_a_password_change_needs_the_old_password(client, hanako):
    client.force_login(hanako)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": "aso-volcano-2023", "new_password2": "aso-volcano-2023"},
    )
    assert response.status_code == 200 and 'id="id_old_password_error"' in response.content.decode()
    hanako.refresh_from_db()
    assert hanako.check_password(PASSWORD)
