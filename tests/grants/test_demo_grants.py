"""`machi demo` loads the FY2022 grant programmes of the wards that have one, linked to their ledger projects."""

import pytest
from django.core.management import call_command

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.grants import demo
from machi.grants.models import ExpenseCategory, GrantProgramme, GrantTrack


def test_it_links_each_wards_programme_to_its_community_grant_project(grants):
    linked = {
        p.ward.name: (p.project.no, p.project.name, p.envelope_yen)
        for p in GrantProgramme.objects.for_year(2022).select_related("ward", "project")
    }
    assert linked == {
        "中央区": (14, "地域コミュニティづくり支援補助金", 1_720_000),
        "東区": (2, "東区地域コミュニティづくり支援補助金", 2_973_000),
        "西区": (2, "西区地域コミュニティづくり支援事業", 1_282_000),
        "南区": (17, "地域コミュニティづくり支援事業", 1_771_000),
    }
    assert (
        grants.summary()
        == "補助金の制度: 新規 4 件、更新 0 件、変更なし 0 件（区分 5 件、費目 32 件を新規登録）"
    )


def test_nishi_has_the_two_tracks_of_the_source(programme):
    tracks = [(t.name, t.rate, t.cap_yen, t.rounding) for t in programme.tracks.all()]
    assert tracks == [
        ("身近な課題解決対応", "1/3", 200_000, "floor_1000"),
        ("モデル事業", "2/3", 400_000, "floor_1000"),
    ]


def test_other_wards_tracks_say_they_are_the_demos_own(grants):
    names = set(GrantTrack.objects.exclude(programme__ward__name="西区").values_list("name", flat=True))
    assert names == {demo.DEMO_TRACK}
    assert "デモ" in demo.DEMO_TRACK


def test_food_and_equipment_are_not_eligible(programme):
    ineligible = set(programme.categories.filter(eligible=False).values_list("name", flat=True))
    assert ineligible == {"飲食費", "備品購入費"}


def test_a_second_run_changes_nothing(grants):
    counts = (GrantProgramme.objects.count(), GrantTrack.objects.count(), ExpenseCategory.objects.count())
    audited = AuditEntry.objects.count()

    again = demo.load(actor=SYSTEM)

    assert (
        again.summary()
        == "補助金の制度: 新規 0 件、更新 0 件、変更なし 4 件（区分 0 件、費目 0 件を新規登録）"
    )
    assert (
        GrantProgramme.objects.count(),
        GrantTrack.objects.count(),
        ExpenseCategory.objects.count(),
    ) == counts
    assert AuditEntry.objects.count() == audited


def test_a_changed_track_is_brought_back_to_the_demo_terms(programme, small):
    GrantTrack.objects.filter(pk=small.pk).update(cap_yen=1)

    report = demo.load(actor=SYSTEM)

    small.refresh_from_db()
    assert small.cap_yen == 200_000
    assert report.updated == ["西区 No.2 西区地域コミュニティづくり支援事業"]


@pytest.mark.django_db
def test_the_demo_command_loads_the_grants_after_the_centres(capsys):
    call_command("demo")
    call_command("demo")

    out = capsys.readouterr().out.splitlines()
    # FY2022's programmes, then the current year's demo round (the events' demo after them), then the verdict.
    grants = [line for line in out if line.startswith("補助金の制度")][-2:]
    assert grants[0] == "補助金の制度: 新規 0 件、更新 0 件、変更なし 4 件（区分 0 件、費目 0 件を新規登録）"
    assert grants[1].startswith("補助金の制度（令和") and grants[1].endswith(
        "変更なし 4 件（区分 0 件、費目 0 件を新規登録）"
    )
    assert out.index(grants[1]) == out.index(grants[0]) + 1
    assert out[-1] == "変更はありません（デモデータはすでに最新です）"
    assert "補助金の制度: 新規 4 件、更新 0 件、変更なし 0 件（区分 5 件、費目 32 件を新規登録）" in out
    assert GrantProgramme.objects.for_year(2022).count() == 4
