"""今日の仕事: what waits for staff in their wards and centres, each a count and a link, in few queries."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup, RoleGrant
from machi.accounts.staff_home import staff_tasks
from machi.facilities.actions import save_centre
from machi.facilities.models import Centre, Lottery, Reservation, Room
from machi.grants import demo
from machi.grants.models import Application, GrantProgramme
from machi.ledger.models import Ward

PASSWORD = "a-long-enough-password"
HOME = "/accounts/staff/"


@pytest.fixture
def world(kumamoto, django_user_model, ward_staff):
    """中央区 and 東区, each with a centre, bookings, groups and grant applications waiting, made here."""
    demo.load(actor=SYSTEM)
    chuo, higashi = Ward.objects.get(name="中央区"), Ward.objects.get(name="東区")
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    resident = django_user_model.objects.create_user("hanako", "hanako@example.jp", display_name="熊本花子")

    def centre(ward, name):
        made = save_centre(actor=SYSTEM, centre=Centre(ward=ward, name=name, phone="096-000-0000"))
        return made, Room.objects.create(centre=made, name="和室", capacity=20, fee_per_block_yen=600)

    def booking(room, day, status):
        return Reservation.objects.create(room=room, date=day, status=status, holder=resident, fee_yen=600)

    def group(ward, name, status="pending"):
        return CommunityGroup.objects.create(
            name=name, kind="jichikai", ward=ward, representative=resident, status=status
        )

    def application(ward, status, **money):
        programme = GrantProgramme.objects.get(ward=ward, fiscal_year=2022)
        return Application.objects.create(
            programme=programme,
            track=programme.tracks.first(),
            group=group(ward, f"{ward.name}の申請団体{Application.objects.count()}", "approved"),
            applicant=resident,
            title="地域の催し",
            status=status,
            submitted_at=timezone.now(),
            **money,
        )

    shirakawa, washitsu = centre(chuo, "白川地域コミュニティセンター")
    booking(washitsu, tomorrow, Reservation.Status.PENDING)
    booking(washitsu, tomorrow, Reservation.Status.PENDING)
    booking(washitsu, today, Reservation.Status.CONFIRMED)
    booking(washitsu, today, Reservation.Status.CANCELLED)  # let go: not on today's sheet
    now = timezone.now()
    seed = "0" * 64
    lottery = Lottery.objects.create(
        centre=shirakawa,
        month=(today + datetime.timedelta(days=60)).replace(day=1),
        applications_open_at=now - datetime.timedelta(days=10),
        applications_close_at=now - datetime.timedelta(days=3),
        draw_at=now - datetime.timedelta(days=2),
        confirm_by=now + datetime.timedelta(days=5),
        first_come_opens_at=now + datetime.timedelta(days=6),
        seed=seed,
        seed_digest=hashlib.sha256(seed.encode()).hexdigest(),
    )
    # Won in an earlier draw and not yet confirmed by the winner (a lottery's month is far ahead: not today's).
    Reservation.objects.create(
        room=washitsu, date=tomorrow, status="won", holder=resident, fee_yen=600, lottery=lottery
    )
    kengun, kengun_room = centre(higashi, "健軍地域コミュニティセンター")
    booking(kengun_room, tomorrow, Reservation.Status.PENDING)

    group(chuo, "白川一丁目自治会")
    group(higashi, "健軍一丁目自治会")
    group(higashi, "健軍二丁目自治会")
    group(chuo, "承認済みの会", "approved")

    application(chuo, "submitted")
    application(chuo, "submitted")
    application(chuo, "under_review")
    application(chuo, "draft")  # the group's own work: nothing for staff yet
    decided = {"decided_yen": 200_000, "computed_yen": 200_000, "cap_yen": 300_000}
    application(higashi, "reported", **decided)
    # A grant decided beyond its project's whole budget: the ledger shows 東区's budget below it.
    application(higashi, "decided", decided_yen=90_000_000, computed_yen=90_000_000, cap_yen=90_000_000)

    def person(username, role, **scope):
        user = django_user_model.objects.create_user(
            username, f"{username}@example.jp", PASSWORD, display_name=f"{username} 職員"
        )
        RoleGrant.objects.create(user=user, role=role, **scope)
        return user

    chuo_staff = ward_staff("chuo-staff", chuo, display_name="中央区 職員")
    higashi_staff = ward_staff("higashi-staff", higashi, display_name="東区 職員")
    for user in (chuo_staff, higashi_staff):
        user.set_password(PASSWORD)
        user.save()
    admin = person("city", "city-admin")
    admin.is_staff = True
    admin.save()
    return {
        "chuo": chuo,
        "higashi": higashi,
        "shirakawa": shirakawa,
        "kengun": kengun,
        "resident": resident,
        "chuo_staff": chuo_staff,
        "higashi_staff": higashi_staff,
        "admin": admin,
        "manager": person("kanri", "centre-manager", centre=shirakawa),
    }


def counts(user) -> dict[tuple[str, str], int]:
    """(label, ward or centre) → count, for one person, now."""
    return {(str(task.label), task.ward): task.count for task in staff_tasks(user, timezone.now())}


def total(user, label: str) -> int:
    return sum(count for (shown, _where), count in counts(user).items() if shown == label)


def test_ward_staff_see_what_waits_in_their_ward_only(world):
    chuo = counts(world["chuo_staff"])
    assert chuo[("審査を待っている団体", "")] == 1
    assert chuo[("承認を待っている予約", "")] == 2
    assert chuo[("白川地域コミュニティセンター", "中央区")] == 1
    assert ("健軍地域コミュニティセンター", "東区") not in chuo
    assert chuo[("申請済み（審査の開始を待っている）", "")] == 2
    assert chuo[("審査中（交付の決定を待っている）", "")] == 1
    assert chuo[("実績報告済み（額の確定を待っている）", "")] == 0
    assert chuo[("額の確定済み（支払いを待っている）", "")] == 0
    assert total(world["chuo_staff"], "抽選日を過ぎた、未実施の抽選") == 1
    assert total(world["chuo_staff"], "当選者の確認を待っている予約") == 1
    assert total(world["chuo_staff"], "決定済みの額を下回る予算") == 0


def test_staff_of_another_ward_see_theirs(world):
    higashi = counts(world["higashi_staff"])
    assert higashi[("審査を待っている団体", "")] == 2
    assert higashi[("承認を待っている予約", "")] == 1
    assert higashi[("健軍地域コミュニティセンター", "東区")] == 0
    assert ("白川地域コミュニティセンター", "中央区") not in higashi
    assert higashi[("申請済み（審査の開始を待っている）", "")] == 0
    assert higashi[("実績報告済み（額の確定を待っている）", "")] == 1
    assert total(world["higashi_staff"], "抽選日を過ぎた、未実施の抽選") == 0
    assert total(world["higashi_staff"], "当選者の確認を待っている予約") == 0
    assert higashi[("決定済みの額を下回る予算", "令和4年度 東区")] == 1


def test_a_city_administrator_sees_every_ward(world):
    admin = counts(world["admin"])
    assert admin[("審査を待っている団体", "")] == 3
    assert admin[("承認を待っている予約", "")] == 3
    assert admin[("白川地域コミュニティセンター", "中央区")] == 1
    assert admin[("健軍地域コミュニティセンター", "東区")] == 0
    assert admin[("申請済み（審査の開始を待っている）", "")] == 2
    assert admin[("実績報告済み（額の確定を待っている）", "")] == 1
    assert total(world["admin"], "抽選日を過ぎた、未実施の抽選") == 1
    assert total(world["admin"], "決定済みの額を下回る予算") == 1


def test_a_centre_manager_sees_only_their_centre(world):
    manager = counts(world["manager"])
    assert manager[("承認を待っている予約", "")] == 2
    assert manager[("白川地域コミュニティセンター", "中央区")] == 1
    assert total(world["manager"], "抽選日を過ぎた、未実施の抽選") == 1
    # No ward of their own: no groups, grants or ledger to look after.
    assert ("審査を待っている団体", "") not in manager
    assert ("申請済み（審査の開始を待っている）", "") not in manager
    assert total(world["manager"], "決定済みの額を下回る予算") == 0
    assert ("健軍地域コミュニティセンター", "東区") not in manager


def test_recent_ledger_imports_are_listed_per_ward_from_the_audit_log(world):
    imported = counts(world["chuo_staff"])
    label = "30日以内の取込で変更された事業"
    # The shipped dataset was imported for this test run: every 中央区 FY2022 project's entry.
    assert imported[(label, "中央区")] == world["chuo"].programmes.get(fiscal_year=2022).projects.count()
    assert (label, "東区") not in imported


def test_the_page_shows_every_count_with_its_link_and_every_link_opens(client, world):
    client.force_login(world["admin"])
    response = client.get(HOME)
    assert response.status_code == 200
    page = response.content.decode()
    assert "今日の仕事" in page and "対応を待っているもの" in page
    for task in staff_tasks(world["admin"], timezone.now()):
        assert f'href="{task.url.replace("&", "&amp;")}"' in page
        assert client.get(task.url).status_code == 200, task


def test_the_ward_staff_links_open_within_their_scope(client, world):
    client.force_login(world["higashi_staff"])
    for task in staff_tasks(world["higashi_staff"], timezone.now()):
        assert client.get(task.url).status_code == 200, task


def test_the_grant_counts_lead_to_the_applications_at_that_step(client, world):
    client.force_login(world["chuo_staff"])
    page = client.get("/grants/manage/applications/?status=submitted").content.decode()
    assert page.count("地域の催し") == 2
    page = client.get("/grants/manage/applications/?status=reported").content.decode()
    assert "該当する申請はありません" in page  # 東区's report is not 中央区's to see


def test_a_resident_is_refused_with_the_403_page(client, world):
    client.force_login(world["resident"])
    response = client.get(HOME)
    assert response.status_code == 403
    assert "職員とセンターの管理者だけが利用できます" in response.content.decode()
    assert "今日の仕事" not in client.get("/").content.decode()


def test_someone_logged_out_is_sent_to_log_in(client, world):
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["chuo_staff", "admin", "manager"])
def test_staff_land_on_their_home_after_login_and_the_header_links_it(client, world, who):
    user = world[who]
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == HOME
    page = client.get("/facilities/").content.decode()
    assert f'href="{HOME}"' in page and "今日の仕事" in page


def test_a_next_address_wins_over_the_home(client, world):
    user = world["chuo_staff"]
    response = client.post(
        "/accounts/login/?next=/grants/manage/", {"username": user.username, "password": PASSWORD}
    )
    assert response.url == "/grants/manage/"


def test_a_resident_still_lands_on_their_page(client, world):
    world["resident"].set_password(PASSWORD)
    world["resident"].save()
    response = client.post("/accounts/login/", {"username": "hanako", "password": PASSWORD})
    assert response.url == "/accounts/profile/"
    assert 'href="/accounts/staff/"' not in client.get("/facilities/").content.decode()


def test_the_home_asks_a_fixed_number_of_queries_however_many_wards_and_centres(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["admin"])
    with django_assert_max_num_queries(20) as few:
        assert client.get(HOME).status_code == 200
    # Every other ward gets a centre with bookings today and a lottery to draw; more groups wait.
    now = timezone.now()
    for ward in Ward.objects.exclude(pk__in=[world["chuo"].pk, world["higashi"].pk]):
        made = save_centre(actor=SYSTEM, centre=Centre(ward=ward, name=f"{ward.name}センター", phone="0"))
        room = Room.objects.create(centre=made, name="和室", capacity=10, fee_per_block_yen=100)
        for status in ("pending", "confirmed"):
            Reservation.objects.create(
                room=room, date=timezone.localdate(), status=status, holder_name="窓口", fee_yen=0
            )
        Lottery.objects.create(
            centre=made,
            month=datetime.date(2030, 1, 1),
            applications_open_at=now - datetime.timedelta(days=9),
            applications_close_at=now - datetime.timedelta(days=8),
            draw_at=now - datetime.timedelta(days=1),
            confirm_by=now + datetime.timedelta(days=1),
            first_come_opens_at=now + datetime.timedelta(days=2),
            seed="1" * 64,
            seed_digest="2" * 64,
        )
        CommunityGroup.objects.create(
            name=f"{ward.name}の会", kind="jichikai", ward=ward, representative=world["resident"]
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(HOME).content.decode()
    assert "北区センター" in page


def test_the_total_counts_what_waits_not_what_only_informs(client, world):
    # 1 group + 2 bookings + 1 lottery to draw + 1 win to confirm + 3 applications; today's booking and
    # the import's projects only inform.
    client.force_login(world["chuo_staff"])
    assert "対応を待っているもの：8件" in client.get(HOME).content.decode()


def test_the_home_speaks_english_when_asked(client, world):
    client.force_login(world["chuo_staff"])
    client.cookies["django_language"] = "en"
    page = client.get(HOME).content.decode()
    assert "<h1>Today's work</h1>" in page and "Bookings waiting for approval" in page
    assert "Submitted (waiting for review to start)" in page and "Waiting: 8 items" in page
