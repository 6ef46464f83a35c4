"""「1団体1件」: groups whose member lists overlap heavily are flagged to staff (facilities.queries.overlapping_groups)."""

import pytest

from machi.accounts.models import CommunityGroup, GroupMember
from machi.facilities.queries import overlapping_groups


@pytest.fixture
def group(chuo, resident):
    def make(name, members, *, representative=None, ward=None, status="approved"):
        made = CommunityGroup.objects.create(
            name=name,
            kind="circle",
            ward=ward or chuo,
            representative=representative or resident,
            status=status,
            decline_reason="活動実態が確認できない" if status == "declined" else "",
        )
        for member in members:
            user = member if not isinstance(member, str) else None
            GroupMember.objects.create(group=made, name=member if user is None else str(user), user=user)
        return made

    return make


def test_the_same_people_under_another_name_are_flagged(group, outsider, django_user_model):
    rep = django_user_model.objects.create_user("rep", display_name="代表 一郎")
    a = group("白川体操クラブ", ["山田 太郎", "鈴木花子", "佐藤次郎", "高橋 三郎"], representative=rep)
    # Full-width spaces, half-width kana and stray spaces are the same names once normalised.
    b = group("白川健康体操の会", ["山田　太郎", "鈴木 花子", "佐藤次郎", "田中四郎"], representative=rep)
    group("囲碁の会", ["伊藤五郎", "渡辺六郎", "山田太郎"], representative=outsider)
    [overlap] = overlapping_groups([a, b])
    assert {overlap.first, overlap.second} == {a, b}
    # 代表 一郎, 山田太郎, 鈴木花子, 佐藤次郎 of five on each list.
    assert (overlap.shared, overlap.size, overlap.percent) == (4, 5, 80)


def test_a_ward_s_groups_are_compared_and_declined_ones_left_out(group, chuo, higashi, outsider):
    people = ["山田太郎", "鈴木花子", "佐藤次郎"]
    a = group("A会", people, representative=outsider)
    b = group("B会", people, representative=outsider)
    group("C会", people, representative=outsider, status="declined")
    group("D会", people, representative=outsider, ward=higashi)
    assert [(o.first, o.second, o.ratio) for o in overlapping_groups(chuo)] == [(a, b, 1.0)]


def test_linked_accounts_match_whatever_name_is_written(group, resident, outsider, django_user_model):
    third = django_user_model.objects.create_user("third", display_name="三人目")
    a = group("A会", [resident, outsider, third], representative=resident)
    b = group("B会", ["別の表記の名前", outsider, third], representative=outsider)
    GroupMember.objects.filter(group=b, name="別の表記の名前").update(user=resident)
    [overlap] = overlapping_groups([a, b])
    assert (overlap.shared, overlap.size) == (3, 3)


def test_a_small_group_wholly_inside_a_large_one_is_flagged(group, outsider):
    large = group("大きな会", [f"会員{n}" for n in range(20)], representative=outsider)
    small = group("小さな会", ["会員1", "会員2"], representative=outsider)
    [overlap] = overlapping_groups([large, small])
    # 会員1, 会員2 and the representative: all three of the small list.
    assert (overlap.shared, overlap.size, overlap.ratio) == (3, 3, 1.0)


def test_a_few_shared_members_are_below_the_threshold(group, resident, outsider):
    a = group("A会", ["山田太郎", "鈴木花子", "佐藤次郎", "高橋三郎"], representative=resident)
    b = group("B会", ["山田太郎", "伊藤五郎", "渡辺六郎", "小林七郎"], representative=outsider)
    assert overlapping_groups([a, b]) == []
    [overlap] = overlapping_groups([a, b], threshold=0.2)
    assert (overlap.shared, overlap.size) == (1, 5)


def test_no_groups_no_pairs(chuo):
    assert overlapping_groups(chuo) == []
    assert overlapping_groups([]) == []
