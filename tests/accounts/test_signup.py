"""Sign-up on the web: an inactive account, a mailed link, the link activates it; bad links get a clear page."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from machi.accounts import actions

pytestmark = pytest.mark.django_db
User = get_user_model()
SIGNUP = "/accounts/signup/"
GOOD = {
    "email": "hanako@example.jp",
    "password1": "kumamoto-castle-2022",
    "password2": "kumamoto-castle-2022",
    "display_name": "熊本 花子",
    "name_kana": "くまもと はなこ",
}


def link_in(message) -> str:
    match = re.search(r"http://testserver(/accounts/verify/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def page_text(response) -> str:
    """What the page says, without the per-response nonces."""
    return re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())


def errors_of(response, field: str) -> str:
    """The error text shown under a field (the element its input's aria-describedby points at)."""
    html = response.content.decode()
    match = re.search(rf'<ul class="form-error" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def test_the_signup_page_asks_for_email_password_twice_name_and_kana(client):
    page = client.get(SIGNUP).content.decode()
    for label in ("メールアドレス", "パスワード", "パスワード（確認）", "表示名", "氏名（かな）"):
        assert f">{label}<" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'autocomplete="new-password"' in page


def test_signing_up_creates_an_inactive_account_and_mails_a_verification_link(client):
    response = client.post(SIGNUP, GOOD)
    assert response.status_code == 302 and response.url == reverse("accounts:signup_done")
    user = User.objects.get(email="hanako@example.jp")
    assert not user.is_active and user.email_verified_at is None
    assert (user.display_name, user.name_kana) == ("熊本 花子", "くまもと はなこ")
    assert user.check_password("kumamoto-castle-2022")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hanako@example.jp"]
    assert "メールアドレスの確認" in message.subject
    assert "熊本 花子 様" in message.body and "3日" in message.body
    assert "確認用のメールを送りました" in client.get(response.url).content.decode()


def test_following_the_link_activates_the_account_and_offers_a_login_link(client):
    client.post(SIGNUP, GOOD)
    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "メールアドレスを確認しました" in page and 'href="/accounts/login/"' in page
    user = User.objects.get(email="hanako@example.jp")
    assert user.is_active and user.email_verified


def test_following_the_link_twice_still_says_the_address_is_confirmed(client):
    client.post(SIGNUP, GOOD)
    link = link_in(mail.outbox[0])
    client.get(link)
    assert "メールアドレスを確認しました" in client.get(link).content.decode()


def test_a_tampered_link_shows_a_clear_page_and_activates_nothing(client):
    client.post(SIGNUP, GOOD)
    link = link_in(mail.outbox[0])
    response = client.get(link[:-3] + "xx/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "確認用リンクを使えません" in page and "確認用リンクが正しくありません" in page
    assert 'href="/accounts/verify/resend/"' in page
    assert not User.objects.get(email="hanako@example.jp").is_active


@pytest.mark.parametrize("token", ["nonsense", "a" * 500, "%00", "..%2F..%2Fetc"])
def test_garbage_links_are_refused_clearly(client, token):
    response = client.get(f"/accounts/verify/{token}/")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "確認用リンクが正しくありません" in response.content.decode()


def test_an_expired_link_says_so(client, monkeypatch):
    client.post(SIGNUP, GOOD)
    monkeypatch.setattr(actions, "EMAIL_VERIFICATION_MAX_AGE", -1)
    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 400
    assert "有効期限が切れています" in response.content.decode()
    assert not User.objects.get(email="hanako@example.jp").is_active


def test_passwords_that_differ_are_refused_and_nothing_is_written(client):
    response = client.post(SIGNUP, {**GOOD, "password2": "something-else-2022"})
    assert response.status_code == 200
    assert "パスワードが一致しません" in errors_of(response, "password2")
    assert not User.objects.exists() and mail.outbox == []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "短すぎます"),
        ("12345678901", "数字しか使われていません"),
        ("password123", "一般的すぎます"),
        ("hanako@example.jp", "似すぎています"),
    ],
)
def test_django_password_rules_answer_in_japanese(client, password, message):
    response = client.post(SIGNUP, {**GOOD, "password1": password, "password2": password})
    assert message in errors_of(response, "password1")
    assert not User.objects.exists()


def test_errors_are_tied_to_their_fields_for_screen_readers(client):
    response = client.post(SIGNUP, {**GOOD, "email": "not-an-address", "display_name": ""})
    html = response.content.decode()
    email_input = re.search(r'<input[^>]*name="email"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in email_input
    assert "id_email_error" in email_input and "id_email_helptext" in email_input
    assert 'id="id_email_error"' in html and 'id="id_display_name_error"' in html
    assert "入力内容を確認してください" in html  # the summary at the top, linking to each field
    assert 'href="#id_email"' in html
    assert "<title>入力内容にエラーがあります" in html


@pytest.mark.parametrize(
    "email", ["hanako@example.jp", "HANAKO@example.JP", "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ"]
)
def test_an_address_already_registered_answers_as_a_new_one_and_mails_its_holder(client, email):
    client.post(SIGNUP, GOOD)
    client.get(link_in(mail.outbox[0]))  # hanako's account is active
    mail.outbox.clear()
    fresh = client.post(SIGNUP, {**GOOD, "email": "jiro@example.jp"})
    taken = client.post(SIGNUP, {**GOOD, "email": email, "display_name": "だれか"})
    assert taken.status_code == fresh.status_code == 302 and taken.url == fresh.url
    assert page_text(client.get(taken.url)) == page_text(client.get(fresh.url))
    assert User.objects.count() == 2
    to_jiro, to_hanako = mail.outbox
    assert to_jiro.to == ["jiro@example.jp"] and to_hanako.to == ["hanako@example.jp"]
    assert "利用者登録が申し込まれました" in to_hanako.subject
    assert to_hanako.body.startswith("熊本 花子 様") and "新しいアカウントは作っていません" in to_hanako.body
    reset = re.search(r"http://testserver(/accounts/password/reset/[^\s]+/)", to_hanako.body).group(1)
    form = client.get(reset, follow=True)
    assert "新しいパスワードの設定" in form.content.decode()


def test_signing_up_again_while_waiting_for_the_check_sends_the_link_again(client):
    client.post(SIGNUP, GOOD)
    response = client.post(SIGNUP, {**GOOD, "display_name": "別の名前"})
    assert response.url == reverse("accounts:signup_done")
    assert User.objects.get().display_name == "熊本 花子"
    _first, again = mail.outbox
    assert again.to == ["hanako@example.jp"] and "メールアドレスの確認" in again.subject
    client.get(link_in(again))
    assert User.objects.get().is_active


def test_an_address_typed_in_full_width_is_stored_in_ordinary_letters(client):
    client.post(SIGNUP, {**GOOD, "email": "ＴＡＲＯ＠ｅｘａｍｐｌｅ．ｊｐ"})
    user = User.objects.get()
    assert user.email == user.username == "taro@example.jp"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name_kana", "熊本花子", "ひらがなかカタカナ"),
        ("display_name", "名" * 101, "100"),
        ("email", "a" * 250 + "@example.jp", "254"),
        ("email", "<script>@example.jp", "有効なメールアドレス"),
    ],
)
def test_bad_input_gets_a_clear_error_and_writes_nothing(client, field, value, message):
    response = client.post(SIGNUP, {**GOOD, field: value})
    assert response.status_code == 200
    assert message in errors_of(response, field)
    assert not User.objects.exists() and mail.outbox == []


def test_half_width_katakana_kana_is_accepted_and_normalised(client):
    client.post(SIGNUP, {**GOOD, "name_kana": "ｸﾏﾓﾄ　ﾊﾅｺ"})
    assert User.objects.get().name_kana == "クマモト ハナコ"


def test_hostile_names_are_escaped_on_the_page(client):
    client.post(SIGNUP, {**GOOD, "display_name": "<b>花子</b>"})
    page = client.get(link_in(mail.outbox[0])).content.decode()
    assert "<b>花子</b>" not in page
    assert "<b>花子</b> 様" in mail.outbox[0].body  # plain text mail: not HTML-escaped


def test_signup_refuses_a_post_without_the_csrf_token():
    response = Client(enforce_csrf_checks=True).post(SIGNUP, GOOD)
    assert response.status_code == 403
    assert not User.objects.exists()


def test_a_signed_in_person_is_sent_to_their_profile(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("someone"))
    assert client.get(SIGNUP).url == reverse("accounts:profile")


# --- Sending the link again -----------------------------------------------------------------


def test_the_link_can_be_sent_again_to_an_account_waiting_for_it(client):
    client.post(SIGNUP, GOOD)
    response = client.post("/accounts/verify/resend/", {"email": "Hanako@Example.jp"})
    assert response.status_code == 200
    assert "確認用のメールを送りました" in response.content.decode()
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["hanako@example.jp"]
    client.get(link_in(mail.outbox[1]))
    assert User.objects.get().is_active


@pytest.mark.parametrize("email", ["nobody@example.jp", "active@example.jp"])
def test_sending_again_answers_the_same_and_sends_nothing_for_other_addresses(
    client, django_user_model, email
):
    django_user_model.objects.create_user("active@example.jp", "active@example.jp", "pw-kumamoto-1")
    unknown = client.post("/accounts/verify/resend/", {"email": email})
    assert "確認待ちのアカウントがあれば" in unknown.content.decode()
    assert mail.outbox == []


def test_sending_again_needs_an_address(client):
    response = client.post("/accounts/verify/resend/", {"email": ""})
    assert "メールアドレスを入力してください" in errors_of(response, "email")
    assert mail.outbox == []
