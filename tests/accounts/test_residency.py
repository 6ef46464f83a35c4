"""利用者の住所確認: ward staff verify, at the counter, that a person lives in the ward they declared.

Only staff of the declared ward find the person and verify; every lookup and the verification
are audited. The person's profile says whether their residency is verified, and how to get it.
"""

import re

import pytest
from django.utils import timezone

from machi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
PAGE = "/accounts/staff/residency/"
NOT_FOUND = "このメールアドレスの利用者は見つかりませんでした"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def natsuko(people, django_user_model):
    return django_user_model.objects.create_user(
        "natsuko",
        "natsuko@example.jp",
        display_name="西 夏子",
        home_ward=people["nishi"],
        email_verified_at=timezone.now(),
    )


def test_staff_of_the_declared_ward_find_and_verify(client, people, natsuko):
    staff = people["nishi_staff"]
    client.force_login(staff)
    found = text(client.get(PAGE, {"email": "Natsuko@Example.jp"}))
    assert "西 夏子" in found and "未確認" in found
    response = client.post(f"{PAGE}{natsuko.pk}/verify/")
    assert response.status_code == 302
    natsuko.refresh_from_db()
    assert (natsuko.residency_verified_by, natsuko.residency_verified_ward) == (staff, people["nishi"])
    assert natsuko.residency_verified and natsuko.verified_resident_of(people["nishi"].pk)
    [verified] = AuditEntry.objects.filter(action="accounts.verify_residency")
    assert (verified.actor, verified.ward, verified.object_id) == (staff, people["nishi"], str(natsuko.pk))
    [lookup] = AuditEntry.objects.filter(action="accounts.find_resident")
    assert lookup.after == {"kind": "view", "people": [natsuko.pk], "found": True}
    assert "確認済み" in text(client.get(PAGE, {"email": "natsuko@example.jp"}))


def test_staff_of_another_ward_neither_find_nor_verify(client, people, natsuko):
    client.force_login(people["higashi_staff"])
    theirs = text(client.get(PAGE, {"email": "natsuko@example.jp"}))
    nobody = text(client.get(PAGE, {"email": "nobody@example.jp"}))
    assert NOT_FOUND in theirs and NOT_FOUND in nobody and "西 夏子" not in theirs
    assert client.post(f"{PAGE}{natsuko.pk}/verify/").status_code == 403
    natsuko.refresh_from_db()
    assert natsuko.residency_verified_at is None
    assert not AuditEntry.objects.filter(action="accounts.verify_residency").exists()


@pytest.mark.parametrize("who", ["resident", "centre_manager"])
def test_only_ward_staff_reach_the_page(client, people, natsuko, who):
    client.force_login(people[who])
    assert client.get(PAGE, {"email": "natsuko@example.jp"}).status_code == 403
    assert client.post(f"{PAGE}{natsuko.pk}/verify/").status_code == 403


def test_the_profile_says_whether_the_residency_is_verified(client, people, natsuko):
    client.force_login(natsuko)
    page = text(client.get("/accounts/profile/"))
    assert "お住まいの区（西区）：未確認" in page
    assert "区役所の窓口で住所の確認を受けてください" in page
    client.force_login(people["nishi_staff"])
    client.post(f"{PAGE}{natsuko.pk}/verify/")
    client.force_login(natsuko)
    assert "お住まいの区（西区）：確認済み" in text(client.get("/accounts/profile/"))
