"""`machi token create|list|revoke`: a token made at the command line works, and stops when revoked."""

import subprocess
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from tests.conftest import MACHI

from machi.accounts.actions import create_token
from machi.accounts.actors import SYSTEM
from machi.accounts.models import ApiToken, RoleGrant
from machi.audit.models import AuditEntry


def token(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def hanako(django_user_model):
    return django_user_model.objects.create_user("hanako", "hanako@example.jp")


@pytest.fixture
def city_admin(django_user_model):
    admin = django_user_model.objects.create_user("city")
    RoleGrant.objects.create(user=admin, role="city-admin")
    return admin


def test_create_prints_the_token_as_its_last_line_and_it_authenticates(hanako):
    out, err = token("create", "hanako", "--name", "集計用")
    plain = out.splitlines()[-1]
    assert plain.startswith("machi_") and out.endswith(plain + "\n")
    assert "今回だけ表示されます" in err
    stored = ApiToken.objects.get()
    assert (stored.user, stored.name, stored.prefix) == (hanako, "集計用", plain[:12])
    assert plain not in (stored.digest, stored.prefix)  # only the digest is kept
    response = Client(HTTP_AUTHORIZATION=f"Bearer {plain}").get("/api/me")
    assert response.status_code == 200 and response.json()["username"] == "hanako"
    entry = AuditEntry.objects.get(action="accounts.create_token")
    assert entry.actor_label == "system"


def test_create_refuses_an_unknown_or_inactive_person(django_user_model, db):
    django_user_model.objects.create_user("gone", is_active=False)
    for username in ("nobody", "gone"):
        with pytest.raises(CommandError, match=f"利用者「{username}」が見つからないか、無効です"):
            token("create", username)
    assert not ApiToken.objects.exists()


def test_list_shows_prefix_name_created_last_used_and_status(hanako, city_admin):
    used, plain = create_token(actor=SYSTEM, user=hanako, name="連携")
    Client(HTTP_AUTHORIZATION=f"Bearer {plain}").get("/api/me")
    revoked, _ = create_token(actor=SYSTEM, user=hanako)
    token("revoke", str(revoked.pk))
    create_token(actor=SYSTEM, user=city_admin, name="管理")
    out, _ = token("list")
    header, *rows = out.splitlines()
    assert header.split("\t") == ["id", "利用者", "先頭", "名前", "作成", "最終利用", "有効期限", "状態"]
    assert [row.split("\t")[1] for row in rows] == ["city", "hanako", "hanako"]
    first = rows[1].split("\t")
    assert first[2:4] == [used.prefix + "…", "連携"]
    assert first[5] != "未使用" and first[7] == "有効"
    assert rows[2].split("\t")[5] == "未使用" and rows[2].split("\t")[7].startswith("失効（")
    only_hanako, _ = token("list", "hanako")
    assert "city" not in only_hanako and only_hanako.count("hanako") == 2


def test_list_says_when_there_are_none_and_refuses_an_unknown_person(hanako):
    assert token("list")[0].strip() == "トークンはありません"
    with pytest.raises(CommandError, match="利用者「nobody」が見つかりません"):
        token("list", "nobody")


@pytest.mark.parametrize("how", ["prefix", "prefix…", "id"])
def test_revoke_by_prefix_or_id_makes_the_token_401(hanako, how):
    stored, plain = create_token(actor=SYSTEM, user=hanako)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert client.get("/api/me").status_code == 200
    key = {"prefix": stored.prefix, "prefix…": stored.prefix + "…", "id": str(stored.pk)}[how]
    out, _ = token("revoke", key)
    assert "失効させました" in out
    assert client.get("/api/me").status_code == 401
    assert AuditEntry.objects.get(action="accounts.revoke_token").actor_label == "system"


def test_revoke_as_a_user_follows_the_owner_or_city_admin_rule(hanako, city_admin, django_user_model):
    django_user_model.objects.create_user("taro")
    stored, _ = create_token(actor=SYSTEM, user=hanako)
    with pytest.raises(CommandError, match="他の利用者のトークンの失効は市の管理者だけが行えます"):
        token("revoke", stored.prefix, "--user", "taro")
    stored.refresh_from_db()
    assert stored.active
    token("revoke", stored.prefix, "--user", "hanako")  # the owner
    stored.refresh_from_db()
    assert not stored.active
    other, _ = create_token(actor=SYSTEM, user=hanako)
    token("revoke", str(other.pk), "--user", "city")  # a city administrator
    assert AuditEntry.objects.filter(action="accounts.revoke_token", actor_label="city").exists()


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("machi_nothing", "見つかりません"),
        ("999999", "見つかりません"),
        ("abc", "id でも先頭の文字"),
        ("machi_", "id でも先頭の文字"),
    ],
)
def test_revoke_refuses_what_it_cannot_find(hanako, key, message):
    create_token(actor=SYSTEM, user=hanako)
    with pytest.raises(CommandError, match=message):
        token("revoke", key)
    assert ApiToken.objects.get().active


def test_revoke_refuses_a_token_already_revoked_and_an_unknown_acting_user(hanako):
    stored, _ = create_token(actor=SYSTEM, user=hanako)
    with pytest.raises(CommandError, match="利用者「nobody」が見つからないか、無効です"):
        token("revoke", stored.prefix, "--user", "nobody")
    token("revoke", stored.prefix)
    with pytest.raises(CommandError, match="すでに失効しています"):
        token("revoke", stored.prefix)


def test_revoke_asks_for_the_id_when_two_tokens_share_a_prefix(hanako):
    first, _ = create_token(actor=SYSTEM, user=hanako)
    second, _ = create_token(actor=SYSTEM, user=hanako)
    ApiToken.objects.filter(pk=second.pk).update(prefix=first.prefix)
    with pytest.raises(CommandError, match="複数あります"):
        token("revoke", first.prefix)
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 2


def test_the_command_line_end_to_end_a_script_takes_the_last_line(command_env):
    """As CI's fuzz-api script does it: a fresh database, a city administrator, `tail -n 1`."""

    def machi(*args, stdin=None):
        return subprocess.run(
            [MACHI, *args], capture_output=True, text=True, env=command_env, input=stdin, timeout=120
        )

    made = machi(
        "user", "create", "admin", "--email", "admin@example.jp", "--role", "city-admin", "--name", "管理 一郎",
        "--password-stdin", stdin="Kumamoto-2022-machi\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    created = machi("token", "create", "admin", "--name", "ci")
    assert created.returncode == 0, created.stderr
    plain = created.stdout.splitlines()[-1]
    assert created.stdout == plain + "\n" and plain.startswith("machi_")
    check = machi(
        "shell", "-c", f"from machi.accounts.actions import user_for_token; print(user_for_token({plain!r}))"
    )
    assert check.stdout.splitlines()[-1] == "管理 一郎"
    assert "有効" in machi("token", "list", "admin").stdout
    assert machi("token", "revoke", plain[:12]).returncode == 0
    check = machi(
        "shell", "-c", f"from machi.accounts.actions import user_for_token; print(user_for_token({plain!r}))"
    )
    assert check.stdout.splitlines()[-1] == "None"
    refused = machi("token", "revoke", plain[:12])
    assert refused.returncode == 1 and "すでに失効しています" in refused.stderr
