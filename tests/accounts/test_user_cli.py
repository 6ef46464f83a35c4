"""`machi user create`: a person of each role from the command line, and every refusal clear and harmless."""

import subprocess
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from tests.conftest import MACHI

from machi.accounts.models import RoleGrant
from machi.audit.models import AuditEntry
from machi.facilities.models import Centre
from machi.ledger.models import Ward

PASSWORD = "Kumamoto-machi-2022"


def user_create(*args, password: str | None = PASSWORD) -> str:
    """`machi user create …`, the password given on standard input as a script would."""
    out = StringIO()
    stdin = {} if password is None else {"stdin": StringIO(password + "\n")}
    extra = [] if password is None else ["--password-stdin"]
    call_command("user", "create", *args, *extra, stdout=out, stderr=StringIO(), **stdin)
    return out.getvalue()


@pytest.fixture
def wards(db):
    chuo = Ward.objects.create(code="431010", name="中央区")
    higashi = Ward.objects.create(code="431028", name="東区")
    return chuo, higashi


@pytest.fixture
def centre(wards):
    return Centre.objects.create(ward=wards[0], name="中央公民館")


def grants(user) -> list[tuple]:
    return sorted(
        (g.role, g.ward.name if g.ward else None, g.centre.name if g.centre else None)
        for g in RoleGrant.objects.filter(user=user).select_related("ward", "centre")
    )


def test_a_city_admin_may_open_the_admin_and_manage_every_ward(db):
    out = user_create("kanri", "--email", "Kanri@Example.jp", "--role", "city-admin", "--name", "管理 一郎")
    assert "利用者「kanri」を作成しました（市の管理者）" in out
    user = get_user_model().objects.get(username="kanri")
    assert grants(user) == [("city-admin", None, None)]
    assert user.is_staff and user.is_active and user.email_verified and not user.is_superuser
    assert user.email == "kanri@example.jp"
    assert user.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action="accounts.create_user")
    assert entry.actor_label == "system" and entry.object_id == str(user.pk)


def test_ward_staff_get_each_ward_named_by_name_or_code(wards):
    out = user_create(
        "tanaka",
        "--email",
        "t@example.jp",
        "--role",
        "ward-staff",
        "--ward",
        "中央区",
        "--ward",
        "４３１０２８",
        "--name",
        "田中 太郎",
    )
    assert "（区職員：中央区、東区）" in out
    user = get_user_model().objects.get(username="tanaka")
    assert grants(user) == [("ward-staff", "中央区", None), ("ward-staff", "東区", None)]
    assert user.is_staff


def test_a_centre_manager_gets_the_centre(centre):
    user_create(
        "kan",
        "--email",
        "kan@example.jp",
        "--role",
        "centre-manager",
        "--centre",
        "中央公民館",
        "--name",
        "菅 花子",
    )
    user = get_user_model().objects.get(username="kan")
    assert grants(user) == [("centre-manager", None, "中央公民館")]
    assert not user.is_staff


def test_a_resident_has_no_role(db):
    user_create("jumin", "--email", "jumin@example.jp", "--role", "resident")
    user = get_user_model().objects.get(username="jumin")
    assert grants(user) == [] and not user.is_staff and user.check_password(PASSWORD)


def test_the_password_is_asked_twice(db, monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    user_create("asked", "--email", "asked@example.jp", "--role", "resident", password=None)
    assert get_user_model().objects.get(username="asked").check_password(PASSWORD)


@pytest.mark.parametrize(
    ("answers", "message"),
    [([PASSWORD, PASSWORD + "x"], "一致しません"), (["", ""], "パスワードが空です")],
)
def test_a_mistyped_or_empty_password_creates_nobody(db, monkeypatch, answers, message):
    typed = iter(answers)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))
    with pytest.raises(CommandError, match=message):
        user_create("asked", "--email", "asked@example.jp", "--role", "resident", password=None)
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (
            ["--role", "ward-staff", "--ward", "中區"],
            PASSWORD,
            "区「中區」が見つかりません（登録されている区: 中央区、東区）",
        ),
        (["--role", "ward-staff"], PASSWORD, "区職員（ward-staff）には --ward で区を指定してください"),
        (["--role", "centre-manager"], PASSWORD, "--centre でセンターを指定してください"),
        (["--role", "centre-manager", "--centre", "どこか"], PASSWORD, "センター「どこか」が見つかりません"),
        (["--role", "city-admin", "--ward", "中央区"], PASSWORD, "--ward は区職員（ward-staff）にだけ"),
        (["--role", "resident", "--centre", "中央公民館"], PASSWORD, "--centre はセンター管理者"),
        (["--role", "resident"], "password", "このパスワードは一般的すぎます"),
        (["--role", "resident"], "12345678901", "数字しか使われていません"),
        (["--role", "resident"], "short", "短すぎます"),
        (["--role", "resident"], "", "標準入力からパスワードを読めませんでした"),
        (["--role", "mayor"], PASSWORD, "invalid choice"),
    ],
)
def test_refusals_say_why_and_create_nobody(centre, args, password, message):
    with pytest.raises(CommandError, match=message):
        user_create("newcomer", "--email", "new@example.jp", *args, password=password)
    assert not get_user_model().objects.exists()
    assert not RoleGrant.objects.exists()


def test_a_password_like_the_username_is_refused(db):
    with pytest.raises(CommandError, match="パスワード"):
        user_create("kumamoto-machi-2022", "--email", "k@example.jp", "--role", "resident")
    assert not get_user_model().objects.exists()


def test_a_bad_email_is_refused(db):
    with pytest.raises(CommandError, match="メールアドレス: 有効なメールアドレスを入力してください"):
        user_create("newcomer", "--email", "not-an-address", "--role", "resident")
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    ("username", "email", "message"),
    [
        ("kanri", "other@example.jp", "利用者名「kanri」はすでに使われています"),
        ("other", "KANRI@example.jp", "メールアドレス「KANRI@example.jp」はすでに使われています"),
    ],
)
def test_a_username_or_email_already_taken_is_refused(db, username, email, message):
    user_create("kanri", "--email", "kanri@example.jp", "--role", "city-admin", "--name", "管理 一郎")
    with pytest.raises(CommandError, match=message):
        user_create(username, "--email", email, "--role", "resident")
    assert get_user_model().objects.count() == 1


def test_a_refusal_exits_non_zero_with_the_message_on_stderr(command_env):
    env = command_env
    refused = subprocess.run(
        [MACHI, "user", "create", "x", "--email", "x@example.jp", "--role", "ward-staff", "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert refused.returncode == 1
    assert "区職員（ward-staff）には --ward で区を指定してください" in refused.stderr
    assert refused.stdout == ""
