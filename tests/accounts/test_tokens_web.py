"""API tokens on the web: a person makes one (shown once) and revokes their own; a city administrator any."""

import re

import pytest
from django.test import Client

from machi.accounts.actions import create_token, user_for_token
from machi.accounts.models import ApiToken, RoleGrant
from machi.ledger.models import Ward

pytestmark = pytest.mark.django_db
TOKENS = "/accounts/tokens/"


@pytest.fixture
def hanako(django_user_model):
    return django_user_model.objects.create_user(
        "hanako@example.jp", "hanako@example.jp", display_name="熊本 花子"
    )


@pytest.fixture
def taro(django_user_model):
    return django_user_model.objects.create_user(
        "taro@example.jp", "taro@example.jp", display_name="熊本 太郎"
    )


@pytest.fixture
def city_admin(django_user_model):
    admin = django_user_model.objects.create_user("city", is_staff=True)
    RoleGrant.objects.create(user=admin, role="city-admin")
    return admin


@pytest.mark.parametrize(
    ("method", "url"), [("get", TOKENS), ("post", f"{TOKENS}new/"), ("get", "/accounts/staff/tokens/")]
)
def test_a_visitor_is_sent_to_login(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not ApiToken.objects.exists()


def test_a_new_token_is_shown_once_and_works(client, hanako):
    client.force_login(hanako)
    response = client.post(f"{TOKENS}new/", {"name": "集計用スクリプト"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    plain = re.search(r'id="token-value" type="text" value="(machi_[^"]+)"', page).group(1)
    assert "表示されるのは今だけです" in page
    assert user_for_token(plain) == hanako
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (hanako, "集計用スクリプト", plain[:12])
    listing = client.get(TOKENS).content.decode()
    assert "集計用スクリプト" in listing and token.prefix in listing
    assert plain not in listing  # never again


def test_the_list_shows_created_last_used_and_revoked(client, hanako):
    _, plain = create_token(actor=hanako, user=hanako, name="使用済み")
    user_for_token(plain)
    client.force_login(hanako)
    page = client.get(TOKENS).content.decode()
    for heading in ("先頭の文字", "作成日時", "最終利用日時"):
        assert heading in page
    assert "未使用" not in page and "有効" in page


def test_a_token_name_longer_than_100_characters_is_refused(client, hanako):
    client.force_login(hanako)
    response = client.post(f"{TOKENS}new/", {"name": "長" * 101})
    assert response.status_code == 400 and 'id="id_name_error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_making_a_token_needs_a_post(client, hanako):
    client.force_login(hanako)
    assert client.get(f"{TOKENS}new/").status_code == 405
    assert not ApiToken.objects.exists()


def test_making_a_token_refuses_a_post_without_the_csrf_token(hanako):
    client = Client(enforce_csrf_checks=True)
    client.force_login(hanako)
    assert client.post(f"{TOKENS}new/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_nobody_sees_anyone_elses_tokens(client, hanako, taro):
    create_token(actor=taro, user=taro, name="太郎のトークン")
    client.force_login(hanako)
    assert "太郎のトークン" not in client.get(TOKENS).content.decode()


def test_a_person_revokes_their_own_token_and_it_stops_working(client, hanako):
    token, plain = create_token(actor=hanako, user=hanako, name="古いトークン")
    client.force_login(hanako)
    response = client.post(f"{TOKENS}{token.pk}/revoke/")
    assert response.status_code == 302 and response.url == TOKENS
    token.refresh_from_db()
    assert token.revoked_at is not None and user_for_token(plain) is None
    page = client.get(TOKENS).content.decode()
    assert "失効させました" in page and "失効日時" in page


def test_revoking_first_asks_to_confirm_and_changes_nothing(client, hanako):
    token, _ = create_token(actor=hanako, user=hanako, name="古いトークン")
    client.force_login(hanako)
    response = client.get(f"{TOKENS}{token.pk}/revoke/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "トークンを失効させますか" in page and "元に戻せません" in page
    assert f'<form method="post" action="/accounts/tokens/{token.pk}/revoke/">' in page
    token.refresh_from_db()
    assert token.active


def test_revoking_refuses_a_post_without_the_csrf_token(hanako):
    token, _ = create_token(actor=hanako, user=hanako)
    client = Client(enforce_csrf_checks=True)
    client.force_login(hanako)
    assert client.post(f"{TOKENS}{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.active


def test_a_person_cannot_revoke_someone_elses_token(client, hanako, taro):
    token, plain = create_token(actor=taro, user=taro)
    client.force_login(hanako)
    assert client.get(f"{TOKENS}{token.pk}/revoke/").status_code == 404
    assert client.post(f"{TOKENS}{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.active and user_for_token(plain) == taro


# --- The city administrator's view -------------------------------------------------------------


def test_a_city_administrator_sees_everyones_tokens_and_can_search(client, hanako, taro, city_admin):
    create_token(actor=hanako, user=hanako, name="花子のトークン")
    create_token(actor=taro, user=taro, name="太郎のトークン")
    client.force_login(city_admin)
    page = client.get("/accounts/staff/tokens/").content.decode()
    assert "花子のトークン" in page and "太郎のトークン" in page
    page = client.get("/accounts/staff/tokens/", {"q": "taro"}).content.decode()
    assert "太郎のトークン" in page and "花子のトークン" not in page


def test_a_city_administrator_revokes_anyones_token(client, hanako, city_admin):
    token, plain = create_token(actor=hanako, user=hanako)
    client.force_login(city_admin)
    confirm = client.get(f"/accounts/staff/tokens/{token.pk}/revoke/", {"q": "hanako"}).content.decode()
    assert "hanako@example.jp" in confirm and 'name="q" value="hanako"' in confirm
    response = client.post(f"/accounts/staff/tokens/{token.pk}/revoke/", {"q": "hanako"})
    assert response.status_code == 302 and response.url == "/accounts/staff/tokens/?q=hanako"
    assert user_for_token(plain) is None


@pytest.mark.parametrize("who", ["resident", "ward_staff"])
def test_others_cannot_open_the_administrators_token_page_nor_revoke_there(client, hanako, ward_staff, who):
    token, plain = create_token(actor=hanako, user=hanako)
    other = (
        ward_staff("higashi", Ward.objects.create(code="431028", name="東区"))
        if who == "ward_staff"
        else type(hanako).objects.create_user("resident")
    )
    client.force_login(other)
    assert client.get("/accounts/staff/tokens/").status_code == 403
    assert client.get(f"/accounts/staff/tokens/{token.pk}/revoke/").status_code == 403
    response = client.post(f"/accounts/staff/tokens/{token.pk}/revoke/")
    assert response.status_code == 403
    assert "市の管理者だけが行えます" in response.content.decode()
    token.refresh_from_db()
    assert token.active and user_for_token(plain) == hanako
