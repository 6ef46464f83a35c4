"""A group's name cannot be taken again in the same ward by a look-alike: width, case, hidden characters, other scripts."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from tests.accounts.test_groups_web import NEW, errors_of, form

from machi.accounts import actions
from machi.accounts.models import CommunityGroup
from machi.ledger.models import Ward

pytestmark = pytest.mark.django_db
ORIGINAL = "Asobi花園会"


@pytest.fixture
def wards(db):
    return Ward.objects.create(code="431028", name="東区"), Ward.objects.create(code="431036", name="西区")


@pytest.fixture
def hanako(django_user_model):
    return django_user_model.objects.create_user(
        "hanako@example.jp", "hanako@example.jp", display_name="熊本 花子", email_verified_at=timezone.now()
    )


@pytest.fixture
def original(wards, hanako):
    return actions.register_group(actor=hanako, name=ORIGINAL, name_kana="", kind="circle", ward=wards[0])


LOOKALIKES = {
    "full-width": "Ａｓｏｂｉ花園会",
    "case": "ASOBI花園会",
    "cyrillic А": "\u0410sobi花園会",
    "cyrillic о": "As\u043ebi花園会",
    "greek Ο and Β": "AS\u039f\u0392I花園会",
    "a space": "Asobi 花園会",
}
HIDDEN = {
    "zero-width space": "Asobi\u200b花園会",
    "zero-width joiner": "Aso\u200dbi花園会",
    "BOM": "\ufeffAsobi花園会",
    "right-to-left override": "\u202eAsobi花園会",
    "isolate": "\u2066Asobi花園会\u2069",
}


@pytest.mark.parametrize("name", LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_a_lookalike_of_a_group_in_the_same_ward_is_refused_with_a_clear_message(
    client, hanako, wards, original, name
):
    client.force_login(hanako)
    response = client.post(NEW, form(wards[0], name=name))
    assert "東区には同じ名前の団体がすでに登録されています" in errors_of(response, "name")
    assert "形の似た文字" in errors_of(response, "name")
    assert CommunityGroup.objects.count() == 1


@pytest.mark.parametrize("name", HIDDEN.values(), ids=HIDDEN.keys())
def test_a_name_with_invisible_or_direction_characters_is_refused_outright(client, hanako, wards, name):
    client.force_login(hanako)
    response = client.post(NEW, form(wards[1], name=name))
    assert "見えない文字" in errors_of(response, "name")
    assert not CommunityGroup.objects.exists()


def test_the_action_refuses_a_lookalike_whichever_way_it_is_called(hanako, wards, original):
    with pytest.raises(ValidationError) as refused:
        actions.register_group(actor=hanako, name="АSОBI花園会", name_kana="", kind="circle", ward=wards[0])
    assert "同じ名前" in refused.value.message_dict["name"][0]


def test_a_lookalike_in_another_ward_or_of_a_declined_group_is_allowed(hanako, wards, original):
    actions.register_group(actor=hanako, name="ASOBI花園会", name_kana="", kind="circle", ward=wards[1])
    CommunityGroup.objects.filter(pk=original.pk).update(status="declined", decline_reason="重複")
    actions.register_group(actor=hanako, name="Ａｓｏｂｉ花園会", name_kana="", kind="circle", ward=wards[0])
    assert CommunityGroup.objects.count() == 3


def test_the_database_holds_one_group_per_key_and_ward_even_past_the_action(hanako, wards, original):
    from machi.core.text import lookalike_key

    with pytest.raises(IntegrityError), transaction.atomic():
        CommunityGroup.objects.create(
            name="\u0410SOBI花園会", kind="circle", ward=wards[0], representative=hanako
        )
    assert CommunityGroup.objects.get().name_key == lookalike_key(ORIGINAL)


def test_the_key_folds_width_case_scripts_and_hidden_characters_but_keeps_different_names_apart():
    from machi.core.text import has_invisible, lookalike_key

    key = lookalike_key(ORIGINAL)
    assert all(lookalike_key(name) == key for name in [*LOOKALIKES.values(), *HIDDEN.values()])
    assert lookalike_key("ハ幡校区ロータリー") == lookalike_key("八幡校区口ータリー")
    assert lookalike_key("花園一丁目町内自治会") != lookalike_key("花園二丁目町内自治会")
    assert lookalike_key("Asobi花園会") != lookalike_key("Asobu花園会")
    assert all(has_invisible(name) for name in HIDDEN.values())
    assert not any(has_invisible(name) for name in LOOKALIKES.values())
