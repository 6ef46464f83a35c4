"""A personal token has an end: it expires after MACHI_TOKEN_DAYS (or the days asked), and a new password ends it."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from machi.accounts.actions import create_token
from machi.accounts.actors import SYSTEM
from machi.accounts.models import ApiToken
from machi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "kumamoto-castle-2022"
NEW_PASSWORD = "aso-volcano-2023"


@pytest.fixture
def hanako(django_user_model):
    return django_user_model.objects.create_user(
        "hanako@example.jp",
        "hanako@example.jp",
        PASSWORD,
        display_name="熊本 花子",
        email_verified_at=timezone.now(),
    )


def answers(plain: str) -> int:
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}").get("/api/me").status_code


def test_a_token_expires_after_the_configured_days_by_default(hanako, settings):
    settings.MACHI_TOKEN_DAYS = 30
    token, plain = create_token(actor=hanako, user=hanako)
    assert token.expires_at - token.created_at == pytest.approx(timedelta(days=30), abs=timedelta(seconds=5))
    assert answers(plain) == 200


def test_an_expired_token_answers_401_like_a_revoked_one(hanako):
    token, plain = create_token(actor=hanako, user=hanako)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client(HTTP_AUTHORIZATION=f"Bearer {plain}").get("/api/me")
    assert response.status_code == 401
    assert "失効" in response.json()["detail"]
    assert not ApiToken.objects.get(pk=token.pk).active


def test_the_expiry_is_shown_when_made_and_in_the_lists(client, hanako):
    client.force_login(hanako)
    page = client.post("/accounts/tokens/new/", {"name": "集計"}).content.decode()
    token = ApiToken.objects.get()
    shown = timezone.localtime(token.expires_at).strftime("%Y年%-m月%-d日 %H:%M")
    assert f"有効期限：{shown}" in page
    assert "有効期限" in client.get("/accounts/tokens/").content.decode()
    listed = client.get("/api/me/tokens").json()
    assert listed[0]["expires_at"].startswith(timezone.localtime(token.expires_at).strftime("%Y-%m-%dT%H:%M"))
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(days=1))
    assert "期限切れ" in client.get("/accounts/tokens/").content.decode()


def test_the_command_line_takes_the_days_and_shows_the_expiry(hanako):
    out, err = StringIO(), StringIO()
    call_command("token", "create", "hanako@example.jp", "--days", "7", stdout=out, stderr=err)
    token = ApiToken.objects.get()
    assert token.expires_at - token.created_at == pytest.approx(timedelta(days=7), abs=timedelta(seconds=5))
    assert f"有効期限: {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}" in err.getvalue()
    listing = StringIO()
    call_command("token", "list", stdout=listing)
    header, row = listing.getvalue().splitlines()
    assert header.split("\t")[6] == "有効期限"
    assert row.split("\t")[6] == f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}"
    with pytest.raises(CommandError, match="有効日数"):
        call_command("token", "create", "hanako@example.jp", "--days", "0", stdout=out, stderr=err)


def test_changing_the_password_revokes_every_token_of_the_person_and_audits_it(client, hanako):
    _, first = create_token(actor=hanako, user=hanako)
    _, second = create_token(actor=SYSTEM, user=hanako, name="連携")
    client.force_login(hanako)
    client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert (answers(first), answers(second)) == (401, 401)
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 2
    entries = AuditEntry.objects.filter(action="accounts.revoke_token")
    assert entries.count() == 2 and all(e.after["reason"] == "password_changed" for e in entries)


def test_a_password_reset_revokes_the_tokens_as_it_logs_out_the_old_session(client, hanako):
    _, plain = create_token(actor=hanako, user=hanako)
    old_session = Client()
    old_session.force_login(hanako)
    client.post("/accounts/password/reset/", {"email": "hanako@example.jp"})
    link = re.search(r"http://testserver(/accounts/password/reset/[^\s]+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert old_session.get("/api/me").status_code == 401
    assert answers(plain) == 401
    assert AuditEntry.objects.filter(action="accounts.revoke_token").count() == 1


def test_a_password_set_in_the_admin_revokes_the_tokens_too(client, hanako, django_user_model):
    from machi.accounts.models import RoleGrant

    admin = django_user_model.objects.create_user("city", is_staff=True, display_name="市 管理者")
    RoleGrant.objects.create(user=admin, role="city-admin")
    _, plain = create_token(actor=hanako, user=hanako)
    client.force_login(admin)
    response = client.post(
        f"/admin/accounts/user/{hanako.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    hanako.refresh_from_db()
    assert hanako.check_password(NEW_PASSWORD)
    assert answers(plain) == 401
    assert AuditEntry.objects.get(action="accounts.revoke_token").actor == admin
