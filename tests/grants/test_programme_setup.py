"""Ward staff create and open a grant programme from their own pages, and scripts from the command line:
its ledger project, period, 区分 and 費目, each refused with a reason where the ledger or the rules forbid."""

import datetime
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from machi.accounts.actors import SYSTEM
from machi.accounts.scope import NotAllowed
from machi.audit.models import AuditEntry
from machi.grants import actions
from machi.grants.models import ExpenseCategory, GrantProgramme, GrantTrack
from machi.ledger.actions import set_figures
from machi.ledger.models import Project, Ward

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()
OPENS = datetime.datetime(2022, 5, 1, 9, 0, tzinfo=TZ)
CLOSES = datetime.datetime(2023, 1, 31, 17, 0, tzinfo=TZ)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def nishi(grants):
    return Ward.objects.get(name="西区")


@pytest.fixture
def talks(nishi):
    """西区 No.1 西区まちづくり懇話会開催経費 (FY2022, 500千円), which no programme pays from."""
    return Project.objects.get(programme__ward=nishi, programme__fiscal_year=2022, no=1)


def form_data(ward, project, **changes):
    data = {
        "ward": ward.pk,
        "fiscal_year": 2022,
        "project": project.pk,
        "name": "懇話会参加団体への補助",
        "description": "懇話会の提案を実行する団体を支援する。",
        "opens_at": "2022-05-01T09:00",
        "closes_at": "2023-01-31T17:00",
        "tracks-TOTAL_FORMS": 2,
        "tracks-INITIAL_FORMS": 0,
        "tracks-0-name": "一般",
        "tracks-0-rate_numerator": "1",
        "tracks-0-rate_denominator": "2",
        "tracks-0-cap_yen": "１００，０００",
        "tracks-0-rounding": "floor_1000",
        "tracks-1-rounding": "floor_1000",
        "categories-TOTAL_FORMS": 3,
        "categories-INITIAL_FORMS": 0,
        "categories-0-name": "謝礼金",
        "categories-0-eligible": "on",
        "categories-1-name": "飲食費",
    }
    data.update(changes)
    return data


def test_staff_create_a_programme_from_their_page_with_tracks_categories_and_period(
    client, staff, nishi, talks
):
    client.force_login(staff)
    assert "/grants/manage/programmes/new/" in client.get("/grants/manage/").content.decode()
    page = client.get("/grants/manage/programmes/new/", {"ward": nishi.pk, "fiscal_year": 2022})
    assert page.status_code == 200
    options = re.findall(
        r'<option value="(\d+)"', page.content.decode().split('name="project"')[1].split("</select>")[0]
    )
    listed = set(Project.objects.filter(pk__in=options).values_list("no", flat=True))
    # That ward-year's projects, but No.2, which the demo programme already pays from.
    assert 1 in listed and 2 not in listed
    assert not Project.objects.filter(pk__in=options).exclude(programme__ward=nishi).exists()

    response = client.post("/grants/manage/programmes/new/", form_data(nishi, talks))
    programme = GrantProgramme.objects.get(project=talks)
    assert (
        response.status_code == 302 and response["Location"] == f"/grants/manage/programmes/{programme.pk}/"
    )
    assert (programme.ward, programme.fiscal_year, programme.opens_at, programme.closes_at) == (
        nishi,
        2022,
        OPENS,
        CLOSES,
    )
    track = programme.tracks.get()
    assert (track.name, track.rate, track.cap_yen, track.rounding) == ("一般", "1/2", 100_000, "floor_1000")
    assert [(c.name, c.eligible) for c in programme.categories.all()] == [("謝礼金", True), ("飲食費", False)]
    assert AuditEntry.objects.filter(action="grants.save_programme", object_id=str(programme.pk)).exists()
    assert AuditEntry.objects.filter(action="grants.save_track").count() >= 1


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"closes_at": "2022-04-30T09:00"}, "申請の受付開始（"),
        (
            {"tracks-0-rate_numerator": "3", "tracks-0-rate_denominator": "2"},
            "補助率は0より大きく1以下の分数",
        ),
        ({"tracks-0-rate_denominator": "0"}, "補助率の分母は1以上にしてください"),
        ({"tracks-0-cap_yen": ""}, "上限額（円）を入力してください"),
        ({"tracks-0-name": ""}, "区分（補助率と上限額）を1つ以上登録してください"),
    ],
)
def test_a_bad_programme_is_refused_with_its_reason_and_nothing_is_written(
    client, staff, nishi, talks, changes, reason
):
    client.force_login(staff)
    response = client.post("/grants/manage/programmes/new/", form_data(nishi, talks, **changes))
    assert response.status_code == 400
    assert reason in text(response)
    assert not GrantProgramme.objects.filter(project=talks).exists()
    assert not GrantTrack.objects.filter(name="一般").exists()


def test_staff_of_another_ward_cannot_create_one_there(client, nishi, talks, other_staff):
    client.force_login(other_staff)
    response = client.post("/grants/manage/programmes/new/", form_data(nishi, talks))
    assert response.status_code == 403
    assert not GrantProgramme.objects.filter(project=talks).exists()


def _programme(ward, project, **fields):
    return GrantProgramme(
        ward=ward, fiscal_year=2022, project=project, name="補助", opens_at=OPENS, closes_at=CLOSES, **fields
    )


def test_a_project_of_another_ward_or_with_no_budget_or_taken_is_refused(staff, nishi, talks):
    higashi = Project.objects.get(programme__ward__name="東区", programme__fiscal_year=2022, no=1)
    with pytest.raises(actions.GrantRefused, match="の事業です"):
        actions.save_programme(actor=SYSTEM, programme=_programme(nishi, higashi))
    taken = Project.objects.get(programme__ward=nishi, programme__fiscal_year=2022, no=2)
    with pytest.raises(actions.GrantRefused, match="すでに補助金の制度"):
        actions.save_programme(actor=staff, programme=_programme(nishi, taken))
    set_figures(talks, actor=SYSTEM, reason="テスト", initial_yen=None, revised_yen=None, settled_yen=None)
    with pytest.raises(actions.GrantRefused, match="予算（当初予算・2月補正後）が計上されていない"):
        actions.save_programme(actor=staff, programme=_programme(nishi, talks))
    with pytest.raises(NotAllowed):
        actions.save_programme(actor=staff, programme=_programme(Ward.objects.get(name="東区"), higashi))
    assert not GrantProgramme.objects.filter(name="補助").exists()


def test_a_tracks_terms_and_a_used_track_or_category_stay_once_applications_use_them(
    client, staff, programme, small, submitted, category
):
    small.cap_yen = 250_000
    with pytest.raises(actions.GrantRefused, match="申請 1件で使われているため、補助率・上限額"):
        actions.save_track(actor=staff, track=small)
    small.refresh_from_db()
    small.name = "身近な課題の解決"  # its name may change
    actions.save_track(actor=staff, track=small)
    with pytest.raises(actions.GrantRefused, match="削除できません"):
        actions.delete_track(actor=staff, track=small)
    with pytest.raises(actions.GrantRefused, match="削除できません"):
        actions.delete_category(actor=staff, category=category("謝礼金"))
    unused = category("保険料")
    actions.delete_category(actor=staff, category=unused)
    assert not ExpenseCategory.objects.filter(pk=unused.pk).exists()
    assert AuditEntry.objects.filter(action="grants.delete_category").exists()

    # The edit page says so too, and writes nothing.
    client.force_login(staff)
    page = client.get(f"/grants/manage/programmes/{programme.pk}/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    total = int(re.search(r'name="tracks-TOTAL_FORMS" value="(\d+)"', html)[1])
    data = {
        k: v for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', html) if k != "csrfmiddlewaretoken"
    }
    data.update({"project": programme.project_id, "name": programme.name})
    row = next(n for n in range(total) if data.get(f"tracks-{n}-id") == str(small.pk))
    data[f"tracks-{row}-rounding"] = "floor_1000"
    for n in range(total):
        data.setdefault(f"tracks-{n}-rounding", "floor_1000")
    data[f"tracks-{row}-cap_yen"] = "250000"
    response = client.post(f"/grants/manage/programmes/{programme.pk}/edit/", data)
    assert response.status_code == 400 and "補助率・上限額・端数の扱いは変えられません" in text(response)
    small.refresh_from_db()
    assert small.cap_yen == 200_000


def test_staff_open_and_close_the_round_from_the_programme_page(client, staff, programme):
    client.force_login(staff)
    page = text(client.get(f"/grants/manage/programmes/{programme.pk}/"))
    assert "受付期間外" in page and "今から受付を始める" not in page  # FY2022's round closed long ago

    programme.closes_at = timezone.now() + datetime.timedelta(days=30)
    programme.opens_at = timezone.now() + datetime.timedelta(days=1)
    actions.save_programme(actor=staff, programme=programme)
    assert (
        client.get(f"/grants/manage/programmes/{programme.pk}/open/").status_code == 302
    )  # GET does nothing
    programme.refresh_from_db()
    assert not programme.is_open(timezone.now())

    assert client.post(f"/grants/manage/programmes/{programme.pk}/open/").status_code == 302
    programme.refresh_from_db()
    assert programme.is_open(timezone.now())
    assert "今で受付を締め切る" in text(client.get(f"/grants/manage/programmes/{programme.pk}/"))

    client.post(f"/grants/manage/programmes/{programme.pk}/close/")
    programme.refresh_from_db()
    assert not programme.is_open(timezone.now()) and programme.closes_at <= timezone.now()
    refused = client.post(f"/grants/manage/programmes/{programme.pk}/close/", follow=True)
    assert "受付期間外です" in text(refused)


def test_the_command_creates_opens_and_closes_a_programme(nishi, talks, staff):
    out = []

    def run(*args):
        from io import StringIO

        stream = StringIO()
        call_command("grants", "programme", *args, stdout=stream)
        out.append(stream.getvalue())

    run(
        "create", "--ward", "西区", "--year", "令和4年度", "--project-no", "１", "--name", "懇話会参加団体への補助",
        "--opens", "2022-05-01", "--closes", "2023-01-31", "--track", "一般:1/2:300,000",
        "--track", "モデル:2/3:400000", "--category", "謝礼金", "--category", "飲食費:対象外",
        "--user", "nishi-staff",
    )  # fmt: skip
    programme = GrantProgramme.objects.get(project=talks)
    assert timezone.localtime(programme.opens_at) == datetime.datetime(2022, 5, 1, tzinfo=TZ)
    assert timezone.localtime(programme.closes_at) == datetime.datetime(2023, 2, 1, tzinfo=TZ)  # through 1/31
    assert [(t.name, t.rate, t.cap_yen) for t in programme.tracks.all()] == [
        ("一般", "1/2", 300_000),
        ("モデル", "2/3", 400_000),
    ]
    assert [(c.name, c.eligible) for c in programme.categories.all()] == [("謝礼金", True), ("飲食費", False)]
    assert "区分 2 件、費目 2 件" in out[-1] and "作りました" in out[-1]
    assert AuditEntry.objects.filter(action="grants.save_programme", actor=staff).exists()

    with pytest.raises(CommandError, match="受付期間外です"):
        run("close", "--ward", "西区", "--year", "2022", "--name", "懇話会参加団体への補助")
    with pytest.raises(CommandError, match=r"締切.*が過ぎています"):
        run("open", "--ward", "西区", "--year", "2022", "--name", "懇話会参加団体への補助")
    future = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    run("open", "--ward", "西区", "--year", "2022", "--name", "懇話会参加団体への補助", "--closes", future)
    programme.refresh_from_db()
    assert programme.is_open(timezone.now())
    run("close", "--ward", "西区", "--year", "2022", "--name", "懇話会参加団体への補助")
    programme.refresh_from_db()
    assert not programme.is_open(timezone.now())


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--track", "一般:3/2:300000"], "補助率は0より大きく1以下"),
        (["--track", "一般:1/0:300000"], "分母は1以上"),
        (["--track", "一般:1/2"], "区分を読み取れません"),
        (["--closes", "2022-04-01"], "申請の受付開始"),
        (["--project-no", "99"], "No.99 の事業はありません"),
    ],
)
def test_the_command_refuses_a_bad_programme_with_its_reason(nishi, talks, args, reason):
    base = {
        "--ward": "西区",
        "--year": "2022",
        "--project-no": "1",
        "--name": "懇話会参加団体への補助",
        "--opens": "2022-05-01",
        "--closes": "2023-01-31",
        "--track": "一般:1/2:300000",
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [part for pair in base.items() for part in pair]
    with pytest.raises(CommandError, match=reason):
        call_command("grants", "programme", "create", *flat)
    assert not GrantProgramme.objects.filter(project=talks).exists()
