"""People are named by their 氏名, never by their login or address: in mails, on the day sheet, in histories."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from tests.facilities import conftest as facilities_fixtures
from tests.facilities.api_support import bookable_day

from machi.accounts import actions
from machi.facilities import actions as facilities

pytestmark = pytest.mark.django_db
# The facilities' centre, room and manager, for the day sheet (中央区 is tests/conftest.py's `chuo`).
centre, room, manager = (
    facilities_fixtures.centre,
    facilities_fixtures.room,
    facilities_fixtures.manager,
)
PASSWORD = "Kumamoto-machi-2022"


def user_create(*args) -> None:
    call_command(
        "user",
        "create",
        *args,
        "--password-stdin",
        stdout=StringIO(),
        stderr=StringIO(),
        stdin=StringIO(PASSWORD),
    )


def test_the_command_line_names_a_person_with_name_and_kana(chuo):
    user_create("taro", "--email", "taro@example.jp", "--role", "ward-staff", "--ward", "中央区",
                "--name", "田中　太郎", "--kana", "タナカ タロウ")  # fmt: skip
    person = actions.User.objects.get(username="taro")
    assert (person.display_name, person.name_kana, str(person)) == ("田中 太郎", "タナカ タロウ", "田中 太郎")


@pytest.mark.parametrize("role", ["city-admin", "ward-staff"])
def test_staff_made_at_the_command_line_must_be_named(chuo, role):
    wards = ["--ward", "中央区"] if role == "ward-staff" else []
    with pytest.raises(CommandError, match="--name で氏名を指定してください"):
        user_create("taro", "--email", "taro@example.jp", "--role", role, *wards)
    assert not actions.User.objects.exists()


def test_the_kana_given_at_the_command_line_must_be_kana(db):
    with pytest.raises(CommandError, match="--kana はひらがなかカタカナで"):
        user_create(
            "taro",
            "--email",
            "taro@example.jp",
            "--role",
            "resident",
            "--name",
            "田中 太郎",
            "--kana",
            "Tanaka",
        )
    assert not actions.User.objects.exists()


def test_a_mail_greets_a_person_by_name_and_never_by_their_login(client, chuo):
    user_create("taro", "--email", "taro@example.jp", "--role", "city-admin", "--name", "田中 太郎")
    user_create("jiro", "--email", "jiro@example.jp", "--role", "resident")
    client.post("/accounts/password/reset/", {"email": "taro@example.jp"})
    client.post("/accounts/password/reset/", {"email": "jiro@example.jp"})
    named, unnamed = mail.outbox
    assert named.body.startswith("田中 太郎 様")
    assert unnamed.body.startswith("（氏名未登録） 様")
    assert "taro 様" not in named.body and "jiro 様" not in unnamed.body


def test_a_person_without_a_name_shows_as_unnamed_not_as_their_address(django_user_model):
    person = django_user_model.objects.create_user("hanako@example.jp", "hanako@example.jp")
    assert str(person) == "（氏名未登録）"


def test_the_day_sheet_names_the_holder_and_not_their_address(
    client, centre, room, manager, django_user_model
):
    holder = django_user_model.objects.create_user(
        "hanako@example.jp", "hanako@example.jp", email_verified_at=timezone.now()
    )
    named = django_user_model.objects.create_user(
        "jiro@example.jp", "jiro@example.jp", display_name="阿蘇 次郎", email_verified_at=timezone.now()
    )
    day = bookable_day()
    facilities.book(actor=holder, room=room, date=day, block_codes=["morning"])
    facilities.book(actor=named, room=room, date=day, block_codes=["afternoon"])
    client.force_login(manager)
    page = client.get(
        f"/facilities/manage/centres/{centre.pk}/sheet/?date={day.isoformat()}"
    ).content.decode()
    assert "（氏名未登録）" in page and "阿蘇 次郎" in page
    assert "hanako@example.jp" not in page and "jiro@example.jp" not in page
