"""Groups on the web: a confirmed person registers a group; staff of its ward (only) approve or decline it."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from machi.accounts.models import CommunityGroup, RoleGrant
from machi.audit.models import AuditEntry
from machi.ledger.models import Ward

pytestmark = pytest.mark.django_db
NEW = "/accounts/groups/new/"
STAFF = "/accounts/staff/groups/"


@pytest.fixture
def wards(db):
    return {
        "東区": Ward.objects.create(code="431028", name="東区"),
        "西区": Ward.objects.create(code="431036", name="西区"),
    }


@pytest.fixture
def hanako(django_user_model):
    return django_user_model.objects.create_user(
        "hanako@example.jp",
        "hanako@example.jp",
        display_name="熊本 花子",
        name_kana="くまもと はなこ",
        email_verified_at=timezone.now(),
    )


@pytest.fixture
def city_admin(django_user_model):
    admin = django_user_model.objects.create_user("city", "city@example.jp", is_staff=True)
    RoleGrant.objects.create(user=admin, role="city-admin")
    return admin


def form(in_ward, **changes) -> dict:
    return {
        "name": "花園一丁目町内自治会",
        "name_kana": "はなぞのいっちょうめちょうないじちかい",
        "kind": "jichikai",
        "ward": str(in_ward.pk),
        "school_district": "花園校区",
        "members": "熊本 太郎,くまもと たろう\n\n阿蘇 次郎、あそ じろう\n天草 三郎",
        **changes,
    }


def pending_group(ward, representative, name="健軍体操サークル") -> CommunityGroup:
    return CommunityGroup.objects.create(name=name, kind="circle", ward=ward, representative=representative)


def errors_of(response, field: str) -> str:
    html = response.content.decode()
    match = re.search(rf'<ul class="form-error" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


# --- Registering ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/accounts/groups/", NEW, STAFF, f"{STAFF}1/"])
def test_a_visitor_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=")


def test_a_visitor_cannot_register_a_group(client, wards):
    assert client.post(NEW, form(wards["東区"])).status_code == 302
    assert not CommunityGroup.objects.exists()


def test_a_person_whose_address_is_unconfirmed_is_asked_to_confirm_it_first(client, hanako, wards):
    hanako.email_verified_at = None
    hanako.save()
    client.force_login(hanako)
    response = client.get(NEW)
    assert response.status_code == 403
    page = response.content.decode()
    assert "メールアドレスの確認が必要です" in page and 'action="/accounts/verify/resend/"' in page


def test_a_person_whose_address_is_unconfirmed_cannot_register_a_group(client, hanako, wards):
    hanako.email_verified_at = None
    hanako.save()
    client.force_login(hanako)
    assert client.post(NEW, form(wards["東区"])).status_code == 403
    assert not CommunityGroup.objects.exists()


def test_the_form_offers_kinds_as_radio_buttons_and_wards_to_choose_from(client, hanako, wards):
    client.force_login(hanako)
    page = client.get(NEW).content.decode()
    for kind in ("自治会", "校区自治協議会", "NPO", "サークル", "企業"):
        assert kind in page
    assert '<legend class="form-label">種別' in page
    assert (
        re.search(r'<option value="" selected>選択してください</option>', page) and ">東区</option>" in page
    )


def test_a_confirmed_person_registers_a_group_with_its_members_and_it_waits_for_review(client, hanako, wards):
    client.force_login(hanako)
    response = client.post(NEW, form(wards["東区"]))
    assert response.status_code == 302 and response.url == "/accounts/groups/"
    group = CommunityGroup.objects.get()
    assert (group.name, group.ward, group.status, group.representative) == (
        "花園一丁目町内自治会",
        wards["東区"],
        "pending",
        hanako,
    )
    members = [(m.name, m.name_kana) for m in group.members.all()]
    assert members == [
        ("熊本 花子", "くまもと はなこ"),
        ("熊本 太郎", "くまもと たろう"),
        ("阿蘇 次郎", "あそ じろう"),
        ("天草 三郎", ""),
    ]
    assert AuditEntry.objects.filter(action="accounts.register_group", actor=hanako).exists()
    page = client.get(response.url).content.decode()
    assert "花園一丁目町内自治会" in page and "審査中" in page and "東区の職員が審査しています" in page
    assert "4人" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "団体名を入力してください"),
        ("name", "会" * 201, "200"),
        ("kind", "yakuza", "正しく選択"),
        ("ward", "", "区を選んでください"),
        ("kind", "", "種別を選んでください"),
        ("ward", "999999", "正しく選択"),
        ("ward", "'; drop table accounts_user; --", "正しく選択"),
        ("name_kana", "花園", "ひらがなかカタカナ"),
        ("members", "熊本 太郎,Kumamoto", "1行目：かな"),
        ("members", "熊本 太郎\n,くまもと", "2行目：氏名がありません"),
        ("members", "名" * 101, "1行目：氏名とかなは100文字以内"),
        ("members", "熊本 太郎\n" * 301, "300人まで"),
    ],
)
def test_bad_input_gets_a_clear_error_and_registers_nothing(client, hanako, wards, field, value, message):
    client.force_login(hanako)
    response = client.post(NEW, form(wards["東区"], **{field: value}))
    assert response.status_code == 200
    assert message in errors_of(response, field)
    assert not CommunityGroup.objects.exists()


def test_a_name_already_registered_in_the_ward_is_refused(client, hanako, wards):
    pending_group(wards["東区"], hanako, name="花園一丁目町内自治会")
    client.force_login(hanako)
    response = client.post(NEW, form(wards["東区"], name=" 花園一丁目町内自治会 "))
    assert "東区には同じ名前の団体がすでに登録されています" in errors_of(response, "name")
    assert CommunityGroup.objects.count() == 1


def test_the_same_name_may_be_registered_in_another_ward(client, hanako, wards):
    pending_group(wards["東区"], hanako, name="花園一丁目町内自治会")
    client.force_login(hanako)
    client.post(NEW, form(wards["西区"]))
    assert CommunityGroup.objects.filter(name="花園一丁目町内自治会").count() == 2


def test_registering_refuses_a_post_without_the_csrf_token(hanako, wards):
    client = Client(enforce_csrf_checks=True)
    client.force_login(hanako)
    assert client.post(NEW, form(wards["東区"])).status_code == 403
    assert not CommunityGroup.objects.exists()


def test_my_groups_show_a_declined_groups_reason_and_only_my_groups(client, hanako, wards, django_user_model):
    CommunityGroup.objects.create(
        name="健軍体操サークル",
        kind="circle",
        ward=wards["東区"],
        representative=hanako,
        status="declined",
        decline_reason="活動の内容が分かる資料を添えてください。",
    )
    other = django_user_model.objects.create_user("other")
    pending_group(wards["東区"], other, name="よその会")
    client.force_login(hanako)
    page = client.get("/accounts/groups/").content.decode()
    assert "不承認" in page and "活動の内容が分かる資料を添えてください。" in page
    assert "よその会" not in page


# --- Reviewing --------------------------------------------------------------------------------


def test_a_resident_cannot_open_the_review_pages(client, hanako, wards):
    group = pending_group(wards["東区"], hanako)
    client.force_login(hanako)
    assert client.get(STAFF).status_code == 403
    response = client.post(f"{STAFF}{group.pk}/", {"decision": "approve"})
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.status == "pending"


def test_ward_staff_see_only_their_own_wards_groups(client, hanako, wards, ward_staff):
    pending_group(wards["東区"], hanako, name="東区の会")
    pending_group(wards["西区"], hanako, name="西区の会")
    client.force_login(ward_staff("higashi", wards["東区"]))
    page = client.get(STAFF).content.decode()
    assert "東区の会" in page and "西区の会" not in page
    assert "あなたが担当する区の団体だけ" in page


def test_a_city_administrator_sees_every_wards_groups(client, hanako, wards, city_admin):
    pending_group(wards["東区"], hanako, name="東区の会")
    pending_group(wards["西区"], hanako, name="西区の会")
    client.force_login(city_admin)
    page = client.get(STAFF).content.decode()
    assert "東区の会" in page and "西区の会" in page and "すべての区の団体" in page


def test_the_staff_list_runs_a_fixed_number_of_queries(
    client, hanako, wards, ward_staff, django_assert_max_num_queries
):
    for n in range(15):
        pending_group(wards["東区"], hanako, name=f"会{n}")
    client.force_login(ward_staff("higashi", wards["東区"]))
    with django_assert_max_num_queries(12):
        assert client.get(STAFF).status_code == 200


def test_ward_staff_approve_their_wards_group_and_the_representative_is_told(
    client, hanako, wards, ward_staff
):
    group = pending_group(wards["東区"], hanako)
    staff = ward_staff("higashi", wards["東区"])
    client.force_login(staff)
    page = client.get(f"{STAFF}{group.pk}/").content.decode()
    assert "熊本 花子" in page and "hanako@example.jp" in page
    response = client.post(f"{STAFF}{group.pk}/", {"decision": "approve", "reason": ""})
    assert response.status_code == 302 and response.url == STAFF
    group.refresh_from_db()
    assert (group.status, group.reviewed_by, group.decline_reason) == ("approved", staff, "")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hanako@example.jp"]
    assert message.subject == "【Machi】団体「健軍体操サークル」の登録を承認しました"
    assert "東区の職員が審査し、承認しました" in message.body
    assert "「健軍体操サークル」を承認しました" in client.get(STAFF).content.decode()


def test_ward_staff_decline_with_a_reason_and_the_representative_reads_it(client, hanako, wards, ward_staff):
    group = pending_group(wards["東区"], hanako)
    client.force_login(ward_staff("higashi", wards["東区"]))
    client.post(f"{STAFF}{group.pk}/", {"decision": "decline", "reason": "  活動場所を教えてください。 "})
    group.refresh_from_db()
    assert (group.status, group.decline_reason) == ("declined", "活動場所を教えてください。")
    assert "活動場所を教えてください。" in mail.outbox[0].body
    assert "承認できませんでした" in mail.outbox[0].body


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_a_decline_without_a_reason_is_a_form_error_and_the_group_stays_pending(
    client, hanako, wards, ward_staff, reason
):
    group = pending_group(wards["東区"], hanako)
    client.force_login(ward_staff("higashi", wards["東区"]))
    response = client.post(f"{STAFF}{group.pk}/", {"decision": "decline", "reason": reason})
    assert response.status_code == 200
    assert "不承認の理由を入力してください" in errors_of(response, "reason")
    group.refresh_from_db()
    assert group.status == "pending" and mail.outbox == []


def test_a_review_without_a_decision_is_a_form_error(client, hanako, wards, ward_staff):
    group = pending_group(wards["東区"], hanako)
    client.force_login(ward_staff("higashi", wards["東区"]))
    response = client.post(f"{STAFF}{group.pk}/", {"decision": "maybe"})
    assert "正しく選択" in errors_of(response, "decision")
    group.refresh_from_db()
    assert group.status == "pending"


def test_higashi_staff_cannot_approve_a_nishi_group_through_the_web(client, hanako, wards, ward_staff):
    group = pending_group(wards["西区"], hanako)
    client.force_login(ward_staff("higashi", wards["東区"]))
    assert client.get(f"{STAFF}{group.pk}/").status_code == 403
    response = client.post(f"{STAFF}{group.pk}/", {"decision": "approve"})
    assert response.status_code == 403
    assert "西区の団体を審査する権限がありません" in response.content.decode()
    group.refresh_from_db()
    assert group.status == "pending" and group.reviewed_by is None and mail.outbox == []
    assert not AuditEntry.objects.filter(action="accounts.review_group").exists()


def test_staff_of_two_wards_may_review_in_both(client, hanako, wards, ward_staff):
    group = pending_group(wards["西区"], hanako)
    client.force_login(ward_staff("both", wards["東区"], wards["西区"]))
    client.post(f"{STAFF}{group.pk}/", {"decision": "approve"})
    group.refresh_from_db()
    assert group.status == "approved"


def test_a_city_administrator_may_review_any_wards_group(client, hanako, wards, city_admin):
    group = pending_group(wards["西区"], hanako)
    client.force_login(city_admin)
    client.post(f"{STAFF}{group.pk}/", {"decision": "decline", "reason": "重複登録です。"})
    group.refresh_from_db()
    assert group.status == "declined" and group.reviewed_by == city_admin


def test_a_group_already_reviewed_cannot_be_reviewed_again(client, hanako, wards, ward_staff):
    group = pending_group(wards["東区"], hanako)
    client.force_login(ward_staff("higashi", wards["東区"]))
    client.post(f"{STAFF}{group.pk}/", {"decision": "approve"})
    response = client.post(f"{STAFF}{group.pk}/", {"decision": "decline", "reason": "やはり不承認"})
    assert response.status_code == 200
    assert "すでに審査済みです" in response.content.decode()
    group.refresh_from_db()
    assert group.status == "approved" and len(mail.outbox) == 1


def test_reviewing_a_group_that_does_not_exist_is_not_found(client, wards, ward_staff):
    client.force_login(ward_staff("higashi", wards["東区"]))
    assert client.post(f"{STAFF}99999/", {"decision": "approve"}).status_code == 404


def test_reviewing_refuses_a_post_without_the_csrf_token(hanako, wards, ward_staff):
    group = pending_group(wards["東区"], hanako)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ward_staff("higashi", wards["東区"]))
    assert client.post(f"{STAFF}{group.pk}/", {"decision": "approve"}).status_code == 403
    group.refresh_from_db()
    assert group.status == "pending"
