"""Rules about people and groups that every path (web, API, CLI) meets in the actions."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from machi.accounts import actions
from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup
from machi.ledger.models import Ward


@pytest.fixture
def resident(db):
    return actions.create_user(actor=SYSTEM, username="a@example.jp", email="a@example.jp", password=None)


def test_an_email_already_in_use_is_not_taken_over_with_a_clear_message(resident):
    other = actions.create_user(actor=SYSTEM, username="b", email="b@example.jp", password=None)
    actions.update_profile(actor=other, user=other, email="A@Example.jp")
    other.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        actions.confirm_email_change(actions.email_change_token(other))
    assert "ほかのアカウントで使われているため、変更できませんでした" in str(refused.value)
    other.refresh_from_db()
    assert (other.email, other.pending_email) == ("b@example.jp", "")


def test_changing_the_address_one_signed_up_with_changes_the_login_name_once_confirmed(resident):
    actions.update_profile(actor=resident, user=resident, email="new@example.jp")
    resident.refresh_from_db()
    assert (resident.username, resident.email) == ("a@example.jp", "a@example.jp")
    actions.confirm_email_change(actions.email_change_token(resident))
    resident.refresh_from_db()
    assert (resident.username, resident.email, resident.pending_email) == (
        "new@example.jp",
        "new@example.jp",
        "",
    )
    assert resident.email_verified


def test_a_declined_group_may_register_again_under_its_name(resident):
    resident.email_verified_at = timezone.now()
    resident.save()
    ward = Ward.objects.create(code="431036", name="西区")
    first = actions.register_group(
        actor=resident, name="西区サークル", name_kana="", kind="circle", ward=ward
    )
    with pytest.raises(ValidationError, match="同じ名前の団体"):
        actions.register_group(actor=resident, name="西区サークル", name_kana="", kind="circle", ward=ward)
    actions.review_group(actor=SYSTEM, group=first, approve=False, reason="構成員名簿が未提出です")
    again = actions.register_group(
        actor=resident, name="西区サークル", name_kana="", kind="circle", ward=ward
    )
    assert CommunityGroup.objects.get(pk=again.pk).status == "pending"
