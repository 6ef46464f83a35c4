"""The residents' requests pages without a browser: who may see what (anonymous → login, others' requests
404/403), bad input answered on the form with nothing written, the 409 of a stale change, the duplicates
offered first, the public list's fixed number of queries and what it never shows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.requests.conftest import CITY_HALL

from machi.requests import actions
from machi.requests.models import Follower, Request

pytestmark = pytest.mark.django_db

NEAR = ("32.803200", "130.707900")  # about 11 m north of CITY_HALL
FAR = ("32.813100", "130.707900")  # about 1.1 km north


@pytest.fixture
def resident(people):
    return people(1)[0]


@pytest.fixture
def submitted(road, resident):
    return actions.submit_request(
        actor=resident,
        category=road,
        description="歩道の段差で転びそうになりました（田中）",
        latitude=CITY_HALL[0],
        longitude=CITY_HALL[1],
        address="中央区手取本町1-1",
    )


def report_url(category) -> str:
    return f"{reverse('requests:report')}?category={category.pk}"


def form(**values) -> dict:
    return {
        "latitude": "",
        "longitude": "",
        "address": "中央区手取本町１－１",
        "description": "街灯が消えています",
        "not_duplicate": "",
    } | values


# --- Reporting ---------------------------------------------------------------------------------


def test_reporting_needs_a_login(client, road):
    response = client.get(report_url(road))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_choose_the_ward_then_the_category(client, resident, road):
    client.force_login(resident)
    first = client.get(reverse("requests:report"))
    assert "中央区" in first.content.decode()
    second = client.get(reverse("requests:report"), {"ward": "431010"})
    page = second.content.decode()
    assert "道路の破損" in page and f'value="{road.pk}"' in page


def test_a_report_with_an_address_only_gets_its_label_and_acknowledge_date(client, resident, road):
    client.force_login(resident)
    response = client.post(report_url(road), form(), follow=True)
    created = Request.objects.get()
    assert created.requester == resident
    assert created.address == "中央区手取本町1-1"
    assert created.latitude is None
    page = response.content.decode()
    assert created.label in page and created.label.endswith("中央区 第1号")
    assert (
        f"{created.acknowledge_by.year}年{created.acknowledge_by.month}月{created.acknowledge_by.day}日"
        in page
    )
    assert response.redirect_chain[-1][0] == reverse(
        "requests:my_request", kwargs={"code": created.service_request_id}
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"address": ""}, "場所（地図の位置または住所）を指定してください"),
        ({"latitude": "35.681236", "longitude": "139.767125", "address": ""}, "熊本市の外です"),
        ({"description": "あ" * 4001}, "4000文字以内"),
        ({"description": "   "}, "内容を入力してください"),
        ({"latitude": "abc", "longitude": "130.7"}, "数値ではありません"),
    ],
)
def test_bad_input_is_answered_on_the_form_and_nothing_is_written(client, resident, road, values, message):
    client.force_login(resident)
    response = client.post(report_url(road), form(**values))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Request.objects.exists()


def test_more_than_three_photos_are_refused(client, resident, road):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(resident)
    photos = [SimpleUploadedFile(f"p{n}.png", b"x", content_type="image/png") for n in range(4)]
    response = client.post(report_url(road), form(photos=photos))
    assert response.status_code == 400
    assert "写真は3枚までです" in response.content.decode()
    assert not Request.objects.exists()


def test_a_near_open_request_is_offered_first_and_following_it_writes_no_new_one(
    client, people, road, submitted
):
    other = people(1, prefix="neighbour")[0]
    client.force_login(other)
    offered = client.post(report_url(road), form(latitude=NEAR[0], longitude=NEAR[1], address=""))
    page = offered.content.decode()
    assert offered.status_code == 200
    assert "同じ問題です（フォローする）" in page and "別の問題として申し出る" in page
    assert submitted.label in page
    assert "歩道の段差" not in page  # the other's description is never shown
    assert Request.objects.count() == 1
    client.post(reverse("requests:follow", kwargs={"code": submitted.service_request_id}))
    assert Follower.objects.filter(request=submitted, user=other).exists()
    assert Request.objects.count() == 1
    mine = client.get(reverse("requests:mine")).content.decode()
    assert submitted.label in mine and "フォロー中" in mine


def test_another_problem_is_submitted_after_the_offer(client, people, road, submitted):
    other = people(1, prefix="neighbour")[0]
    client.force_login(other)
    client.post(report_url(road), form(latitude=NEAR[0], longitude=NEAR[1], address="", not_duplicate="1"))
    assert Request.objects.count() == 2


def test_a_far_request_is_not_offered(client, resident, road, submitted):
    client.force_login(resident)
    response = client.post(report_url(road), form(latitude=FAR[0], longitude=FAR[1], address=""))
    assert response.status_code == 302
    assert Request.objects.count() == 2


# --- My reports ------------------------------------------------------------------------------


def test_my_request_is_mine_only(client, people, submitted):
    url = reverse("requests:my_request", kwargs={"code": submitted.service_request_id})
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(people(1, prefix="other")[0])
    assert client.get(url).status_code == 404
    client.force_login(submitted.requester)
    page = client.get(url).content.decode()
    assert "歩道の段差" in page and "中央区手取本町1-1" in page


def test_withdraw_then_no_reopen(client, submitted):
    client.force_login(submitted.requester)
    code = submitted.service_request_id
    client.post(reverse("requests:withdraw", kwargs={"code": code}))
    submitted.refresh_from_db()
    assert submitted.status == Request.Status.WITHDRAWN
    response = client.post(reverse("requests:reopen", kwargs={"code": code}), follow=True)
    assert "対応済の課題だけを再開できます" in response.content.decode()


def test_reopen_within_30_days(client, staff, submitted):
    actions.change_status(
        actor=staff, request=submitted, to="resolved", expected_version=1, public_note="補修しました"
    )
    client.force_login(submitted.requester)
    code = submitted.service_request_id
    page = client.get(reverse("requests:my_request", kwargs={"code": code})).content.decode()
    assert "再開する" in page and "補修しました" in page
    client.post(reverse("requests:reopen", kwargs={"code": code}), {"public_note": "まだ段差があります"})
    submitted.refresh_from_db()
    assert submitted.status == Request.Status.CHECKING


def test_others_cannot_withdraw(client, people, submitted):
    client.force_login(people(1, prefix="other")[0])
    response = client.post(reverse("requests:withdraw", kwargs={"code": submitted.service_request_id}))
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Request.Status.RECEIVED


# --- The public list and page -----------------------------------------------------------------


def test_the_public_page_shows_the_rounded_location_and_never_the_private_parts(client, staff, submitted):
    actions.change_status(
        actor=staff,
        request=submitted,
        to="checking",
        expected_version=1,
        public_note="現地を確認します",
        internal_note="田中さんに電話済",
    )
    page = client.get(
        reverse("requests:request", kwargs={"code": submitted.service_request_id})
    ).content.decode()
    assert "現地を確認します" in page and "確認中" in page
    assert "32.8030, 130.7080" in page
    for private in ("歩道の段差", "手取本町", "田中", "32.803100", submitted.requester.display_name):
        assert private not in page


def test_the_public_list_filters_and_hides_private_parts(client, road, submitted, resident, higashi):
    other = actions.submit_request(actor=resident, category=road, description="穴", address="中央区水前寺1-1")
    actions.withdraw(actor=resident, request=other)
    page = client.get(reverse("requests:index"), {"status": "open"}).content.decode()
    assert submitted.label in page and other.label not in page
    page = client.get(reverse("requests:index"), {"status": "withdrawn"}).content.decode()
    assert other.label in page and submitted.label not in page
    page = client.get(reverse("requests:index"), {"ward": "431028"}).content.decode()
    assert submitted.label not in page
    page = client.get(reverse("requests:index")).content.decode()
    assert "歩道の段差" not in page and "手取本町" not in page and "32.803100" not in page
    assert '"lat": "32.8030"' in page  # the map's point, rounded


def test_an_unknown_code_is_404(client, db):
    assert client.get("/requests/431010-2026-999/").status_code == 404


def test_the_public_list_reads_a_fixed_number_of_queries(client, road, resident):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("requests:index")).status_code == 200
        return len(queries)

    actions.submit_request(actor=resident, category=road, description="穴", address="水前寺1-1")
    one = count()
    for n in range(6):
        actions.submit_request(
            actor=resident, category=road, description=f"穴{n}", latitude="32.80", longitude=f"130.7{n}"
        )
    assert count() == one


def test_a_private_category_is_not_public(client, road, submitted):
    road.public = False
    road.save()
    assert (
        client.get(reverse("requests:request", kwargs={"code": submitted.service_request_id})).status_code
        == 404
    )
    assert submitted.label not in client.get(reverse("requests:index")).content.decode()


# --- Staff ------------------------------------------------------------------------------------


def test_the_queue_is_staff_only_and_overdue_first(client, resident, staff, road, submitted):
    url = reverse("requests:queue")
    client.force_login(resident)
    assert client.get(url).status_code == 403
    late = actions.submit_request(
        actor=resident,
        category=road,
        description="古い",
        address="水前寺1-1",
        now=submitted.created_at - datetime.timedelta(days=40),
    )
    client.force_login(staff)
    page = client.get(url).content.decode()
    assert page.index(late.label) < page.index(submitted.label)
    assert "期限超過" in page
    only_late = client.get(url, {"late": "on"}).content.decode()
    assert late.label in only_late and submitted.label not in only_late


def test_staff_of_another_ward_get_403(client, ward_staff, higashi, submitted):
    client.force_login(ward_staff("higashi-staff", higashi))
    url = reverse("requests:staff_request", kwargs={"code": submitted.service_request_id})
    assert client.get(url).status_code == 403
    assert submitted.label not in client.get(reverse("requests:queue")).content.decode()


def test_staff_see_everything_and_change_the_status(client, staff, submitted):
    client.force_login(staff)
    url = reverse("requests:staff_request", kwargs={"code": submitted.service_request_id})
    page = client.get(url).content.decode()
    assert "歩道の段差" in page and "中央区手取本町1-1" in page and submitted.requester.display_name in page
    response = client.post(
        url,
        {
            "to": "in_progress",
            "public_note": "業者に依頼しました",
            "internal_note": "見積 3万円",
            "expected_version": 1,
        },
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Request.Status.IN_PROGRESS
    page = client.get(url).content.decode()
    assert "見積 3万円" in page


def test_a_stale_change_is_409_and_writes_nothing(client, staff, submitted):
    client.force_login(staff)
    url = reverse("requests:staff_request", kwargs={"code": submitted.service_request_id})
    actions.change_status(actor=staff, request=submitted, to="checking", expected_version=1)
    response = client.post(url, {"to": "in_progress", "expected_version": 1})
    assert response.status_code == 409
    assert "この課題は他の人が先に更新しました" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Request.Status.CHECKING


def test_declining_needs_a_reason(client, staff, submitted):
    client.force_login(staff)
    url = reverse("requests:staff_request", kwargs={"code": submitted.service_request_id})
    response = client.post(url, {"to": "declined", "expected_version": 1})
    assert response.status_code == 400
    assert "対応できない理由" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Request.Status.RECEIVED


def test_staff_enter_a_phoned_in_request(client, staff, road):
    client.force_login(staff)
    url = f"{reverse('requests:staff_phoned')}?category={road.pk}"
    response = client.post(url, form(caller_name="熊本 花子", caller_phone="096-000-0000"))
    created = Request.objects.get()
    assert response["Location"] == reverse(
        "requests:staff_request", kwargs={"code": created.service_request_id}
    )
    assert created.on_behalf and created.caller_name == "熊本 花子" and created.requester is None


def test_the_staff_home_counts_requests_to_acknowledge(client, staff, submitted):
    from django.utils import timezone

    from machi.requests.staff_tasks import staff_tasks

    tasks = staff_tasks(staff, timezone.now())
    assert [(str(t.label), t.count) for t in tasks] == [
        ("受付の確認を待っている課題", 1),
        ("期限を過ぎた課題", 0),
    ]


def png(width: int = 40, height: int = 30) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, "PNG")
    return out.getvalue()


def test_a_report_with_a_photo_shows_it_to_the_requester_only(client, people, resident, road):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(resident)
    photo = SimpleUploadedFile("hole.png", png(), content_type="image/png")
    client.post(report_url(road), form(photos=[photo]))
    created = Request.objects.get()
    stored = created.photos.get()
    url = reverse("requests:photo", kwargs={"photo_id": stored.pk})
    page = client.get(
        reverse("requests:my_request", kwargs={"code": created.service_request_id})
    ).content.decode()
    assert url in page
    assert client.get(url).status_code == 200
    public = client.get(
        reverse("requests:request", kwargs={"code": created.service_request_id})
    ).content.decode()
    assert url not in public
    client.force_login(people(1, prefix="other")[0])
    assert client.get(url).status_code == 404


def test_a_file_that_is_not_an_image_is_refused_on_the_form(client, resident, road):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(resident)
    fake = SimpleUploadedFile("hole.png", b"<html>not a picture</html>", content_type="image/png")
    response = client.post(report_url(road), form(photos=[fake]))
    assert response.status_code == 400
    assert "hole.png" in response.content.decode()
    assert not Request.objects.exists()
