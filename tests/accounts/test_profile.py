"""The profile page: a person sees and edits their own details, roles and groups; a new address is checked again."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from machi.accounts.models import CommunityGroup, GroupMember, RoleGrant
from machi.audit.models import AuditEntry
from machi.ledger.models import Ward

pytestmark = pytest.mark.django_db
PROFILE = "/accounts/profile/"


@pytest.fixture
def hanako(django_user_model):
    return django_user_model.objects.create_user(
        "hanako@example.jp",
        "hanako@example.jp",
        "kumamoto-castle-2022",
        display_name="熊本 花子",
        name_kana="くまもと はなこ",
        email_verified_at=timezone.now(),
    )


def details(**changes) -> dict:
    return {
        "display_name": "熊本 花子",
        "name_kana": "くまもと はなこ",
        "email": "hanako@example.jp",
        "phone": "",
        "home_ward": "",
        "school_district": "",
        "preferred_language": "ja",
        **changes,
    }


def errors_of(response, field: str) -> str:
    html = response.content.decode()
    match = re.search(rf'<ul class="form-error" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def test_a_visitor_is_sent_to_login_first(client):
    response = client.get(PROFILE)
    assert response.status_code == 302 and response.url == "/accounts/login/?next=/accounts/profile/"


def test_a_visitor_cannot_post_a_profile(client, hanako):
    response = client.post(PROFILE, details(display_name="乗っ取り"))
    assert response.status_code == 302
    hanako.refresh_from_db()
    assert hanako.display_name == "熊本 花子"


def test_the_profile_shows_the_persons_details(client, hanako):
    client.force_login(hanako)
    page = client.get(PROFILE).content.decode()
    assert "熊本 花子 さん" in page
    assert 'value="くまもと はなこ"' in page and 'value="hanako@example.jp"' in page
    for label in ("表示名", "氏名（かな）", "メールアドレス", "電話番号", "校区", "表示言語"):
        assert f">{label}<" in page
    assert "職員や管理者としての役割はありません" in page


def test_the_profile_lists_roles_and_groups(client, hanako):
    higashi = Ward.objects.create(code="431028", name="東区")
    RoleGrant.objects.create(user=hanako, role="ward-staff", ward=higashi)
    own = CommunityGroup.objects.create(
        name="花園自治会", kind="jichikai", ward=higashi, representative=hanako
    )
    someone = type(hanako).objects.create_user("someone")
    other = CommunityGroup.objects.create(
        name="健軍体操サークル", kind="circle", ward=higashi, representative=someone, status="approved"
    )
    GroupMember.objects.create(group=other, name="熊本 花子", user=hanako)
    CommunityGroup.objects.create(name="よその会", kind="circle", ward=higashi, representative=someone)
    client.force_login(hanako)
    page = client.get(PROFILE).content.decode()
    assert "区職員（東区）" in page
    assert f"{own.name}（東区）" in page and "審査中" in page
    assert f"{other.name}（東区）" in page and "承認" in page
    assert "よその会" not in page
    assert 'href="/accounts/staff/groups/"' in page


def test_saving_changes_the_details_and_records_who_did_it(client, hanako):
    client.force_login(hanako)
    response = client.post(
        PROFILE,
        details(display_name="花子", phone="０９６－１２３－４５６７", school_district=" 五福校区 "),
    )
    assert response.status_code == 302 and response.url == PROFILE
    hanako.refresh_from_db()
    assert (hanako.display_name, hanako.phone, hanako.school_district) == ("花子", "096-123-4567", "五福校区")
    assert hanako.email_verified  # the address did not change
    assert mail.outbox == []
    assert AuditEntry.objects.filter(action="accounts.update_profile", actor=hanako).count() == 1
    assert "保存しました" in client.get(PROFILE).content.decode()


def test_changing_the_address_mails_a_link_to_the_new_one_and_waits_for_it(client, hanako):
    client.force_login(hanako)
    client.post(PROFILE, details(email="Hanako.New@Example.jp"))
    hanako.refresh_from_db()
    assert hanako.email == "hanako@example.jp" and hanako.email_verified
    assert hanako.pending_email == "hanako.new@example.jp"
    assert [m.to for m in mail.outbox] == [["hanako.new@example.jp"], ["hanako@example.jp"]]
    page = client.get(PROFILE).content.decode()
    assert "メールアドレスの変更を確認中です" in page
    link = re.search(r"http://testserver(/accounts/email/confirm/\S+/)", mail.outbox[0].body).group(1)
    assert "メールアドレスを hanako.new@example.jp に変更しました" in client.get(link).content.decode()
    hanako.refresh_from_db()
    assert hanako.email == "hanako.new@example.jp" and hanako.email_verified and not hanako.pending_email


def test_an_unconfirmed_person_can_have_the_link_sent_again(client, hanako):
    hanako.email_verified_at = None
    hanako.save()
    client.force_login(hanako)
    response = client.post("/accounts/verify/resend/")
    assert response.url == PROFILE
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hanako@example.jp"]


def test_a_confirmed_person_is_sent_no_second_link(client, hanako):
    client.force_login(hanako)
    client.post("/accounts/verify/resend/")
    assert mail.outbox == []


def test_an_address_another_account_uses_answers_as_any_other_and_its_link_fails(
    client, hanako, django_user_model
):
    django_user_model.objects.create_user("taro@example.jp", "taro@example.jp")
    client.force_login(hanako)
    response = client.post(PROFILE, details(email="TARO@example.jp"))
    assert response.status_code == 302 and mail.outbox[0].to == ["taro@example.jp"]
    link = re.search(r"http://testserver(/accounts/email/confirm/\S+/)", mail.outbox[0].body).group(1)
    assert "ほかのアカウントで使われているため" in client.get(link).content.decode()
    hanako.refresh_from_db()
    assert hanako.email == "hanako@example.jp" and hanako.email_verified and not hanako.pending_email


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "096-abc", "数字とハイフン"),
        ("phone", "1" * 21, "20"),
        ("name_kana", "Hanako", "ひらがなかカタカナ"),
        ("email", "", "メールアドレスを入力してください"),
        ("email", "hanako", "有効なメールアドレス"),
        ("display_name", "", "表示名を入力してください"),
        ("preferred_language", "fr", "正しく選択"),
        ("school_district", "校" * 51, "50"),
    ],
)
def test_bad_details_get_a_clear_error_and_change_nothing(client, hanako, field, value, message):
    client.force_login(hanako)
    response = client.post(PROFILE, details(**{field: value}))
    assert response.status_code == 200
    assert message in errors_of(response, field)
    html = response.content.decode()
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error', html)
    hanako.refresh_from_db()
    assert hanako.display_name == "熊本 花子" and hanako.phone == "" and mail.outbox == []


def test_fields_outside_the_form_cannot_be_slipped_in(client, hanako):
    client.force_login(hanako)
    client.post(PROFILE, {**details(), "is_staff": "on", "is_superuser": "on", "username": "admin"})
    hanako.refresh_from_db()
    assert not hanako.is_staff and not hanako.is_superuser and hanako.username == "hanako@example.jp"


def test_choosing_english_switches_the_pages_at_once(client, hanako):
    client.force_login(hanako)
    response = client.post(PROFILE, details(preferred_language="en"))
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    hanako.refresh_from_db()
    assert hanako.preferred_language == "en"
    assert 'lang="en"' in client.get(PROFILE).content.decode()


def test_the_profile_refuses_a_post_without_the_csrf_token(hanako):
    client = Client(enforce_csrf_checks=True)
    client.force_login(hanako)
    assert client.post(PROFILE, details(display_name="x")).status_code == 403
    hanako.refresh_from_db()
    assert hanako.display_name == "熊本 花子"


def test_a_person_says_which_ward_they_live_in(hanako):
    chuo = Ward.objects.create(code="431010", name="中央区")
    client = Client()
    client.force_login(hanako)
    response = client.post(PROFILE, details(home_ward=str(chuo.pk)))
    assert response.status_code == 302
    hanako.refresh_from_db()
    assert hanako.home_ward == chuo
    entry = AuditEntry.objects.filter(action="accounts.update_profile").latest("id")
    assert (entry.before["home_ward"], entry.after["home_ward"]) == (None, "中央区")
    response = client.post(PROFILE, details(home_ward="999999"))
    assert response.status_code == 200 and "正しく選択" in response.content.decode()
    hanako.refresh_from_db()
    assert hanako.home_ward == chuo
