"""A resident's problem from report to reopen in a real browser, on a desktop and on a phone (375×812):
the resident chooses the ward and category, sets the map pin by a click (and 現在地), types the address
and description, adds a photo and sees the label and the date it is to be acknowledged by, then the
report in 自分の申出; the ward's staff find it in their queue, triage it, record an expenditure from the
fund and resolve it; the resident reopens it; the public list and map show it with the location rounded.

The map's tiles come from a local PNG (page.route): nothing is fetched from the internet. axe-core on
every page; screenshots land in test-artifacts/request-flow-*.png for a person to look at.
"""

import io
import re

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, VIEWPORTS, field, log_in, log_out, page_checker

from machi.accounts.models import RoleGrant
from machi.ledger.models import Programme, Project, Ward
from machi.requests.models import Category, Request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

check = page_checker("request-flow")
TILES = "https://cyberjapandata.gsi.go.jp/"


def png(width: int, height: int, colour=(230, 236, 220)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def site(live_server, page):
    """The live server; the map's tiles answered from a local PNG; nothing else fetched from elsewhere."""
    tile = png(256, 256)
    tiles = []

    def answer(route):
        tiles.append(route.request.url)
        route.fulfill(body=tile, content_type="image/png")

    page.route(f"{TILES}**", answer)
    foreign = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((live_server.url, TILES)) else foreign.append(r.url),
    )
    yield live_server.url
    assert foreign == [], f"fetched from elsewhere: {foreign}"
    assert tiles, "the map drew no tile"


@pytest.fixture
def setting(django_user_model):
    ward = Ward.objects.get_or_create(code="431010", defaults={"name": "中央区", "name_en": "Chuo"})[0]
    programme = Programme.objects.get_or_create(ward=ward, fiscal_year=timezone.localdate().year)[0]
    fund = Project.objects.create(programme=programme, no=15, name="課題対応経費", initial_yen=1_000_000)
    Category.objects.create(ward=ward, code="light", name="街灯の故障", group="道路・街灯", fund=fund)
    Category.objects.create(
        ward=ward, code="road", name="道路の破損", group="道路・街灯", target_days=5, fund=fund
    )
    Category.objects.create(ward=ward, code="park", name="公園の遊具", group="公園", fund=fund)
    django_user_model.objects.create_user(
        "hanako", "hanako@example.jp", password=PASSWORD, display_name="熊本 花子"
    )
    staff = django_user_model.objects.create_user(
        "chuo-staff", password=PASSWORD, is_staff=True, display_name="中央 職員"
    )
    RoleGrant.objects.create(user=staff, role="ward-staff", ward=ward)
    return fund


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_report_triage_spend_resolve_reopen(page, screenshot, site, setting, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 32.8060, "longitude": 130.7100})
    log_in(page, site, "hanako")

    # Report: the ward, then the category (plain forms), then the place and what is wrong.
    page.goto(f"{site}/requests/report/")
    expect(page.get_by_role("heading", name="問題を知らせる")).to_be_visible()
    check(page, screenshot, "ward", viewport)
    field(page, "場所のある区").select_option(label="中央区")
    page.get_by_role("button", name="次へ（種類を選ぶ）").click()
    page.get_by_label("道路の破損").check()
    check(page, screenshot, "category", viewport)
    page.get_by_role("button", name="次へ（場所と内容）").click()

    expect(page.get_by_role("heading", name=re.compile("問題を知らせる 中央区 道路の破損"))).to_be_visible()
    the_map = page.get_by_role("region", name=re.compile("^地図"))
    expect(the_map).to_be_visible()
    page.get_by_role("button", name="現在地").click()
    expect(page.locator("#id_latitude")).to_have_value("32.806000")
    the_map.click(position={"x": 40, "y": 120})  # the pin moves to where the map was pressed
    expect(page.locator("#id_latitude")).not_to_have_value("32.806000")
    expect(page.locator("#id_latitude")).to_have_value(re.compile(r"^32\.80"))
    expect(page.get_by_text("地図で位置を選びました")).to_be_visible()
    field(page, "住所・場所").fill("中央区手取本町１－１ 市役所前の歩道")
    field(page, "内容").fill("歩道のタイルが割れて段差になっています。")
    expect(page.get_by_text("20 / 4000")).to_be_visible()
    field(page, "写真").set_input_files(
        [{"name": "step.png", "mimeType": "image/png", "buffer": png(64, 48, (120, 120, 120))}]
    )
    check(page, screenshot, "form", viewport)
    page.get_by_role("button", name="この内容で申し出る").click()

    created = Request.objects.get()
    expect(page.get_by_role("status")).to_have_text(f"{created.label}として受け付けました")
    expect(page.get_by_role("heading", name=re.compile(created.label))).to_be_visible()
    due = created.acknowledge_by
    expect(
        page.get_by_text(f"区役所は{due.year}年{due.month}月{due.day}日までに受付を確認します。")
    ).to_be_visible()
    expect(page.get_by_role("img", name="申し出た写真1")).to_be_visible()
    check(page, screenshot, "reported", viewport)
    page.get_by_role("link", name="自分の申出").first.click()
    expect(page.get_by_role("link", name=created.label, exact=True)).to_be_visible()
    check(page, screenshot, "mine", viewport)
    log_out(page)

    # Staff: the queue, the request with everything, triage, an expenditure, resolved.
    log_in(page, site, "chuo-staff")
    page.goto(f"{site}/requests/staff/")
    check(page, screenshot, "queue", viewport)
    page.get_by_role("link", name=created.label, exact=True).click()
    expect(page.get_by_text("歩道のタイルが割れて段差になっています。")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="熊本 花子")).to_be_visible()
    field(page, "新しい状態").select_option(label="対応中")
    field(page, "公開する説明").fill("業者に補修を依頼しました。")
    field(page, "内部メモ").fill("見積は3万円")
    check(page, screenshot, "staff-request", viewport)
    page.get_by_role("button", name="状態を変える").click()
    expect(page.get_by_role("status")).to_have_text("状態を「対応中」にしました")
    expect(page.get_by_role("cell", name="見積は3万円")).to_be_visible()
    _record_expenditure(page, screenshot, viewport)
    field(page, "新しい状態").select_option(label="対応済")
    field(page, "公開する説明").fill("補修しました。")
    page.get_by_role("button", name="状態を変える").click()
    expect(page.get_by_role("status")).to_have_text("状態を「対応済」にしました")
    log_out(page)

    # The resident reopens it: still broken.
    log_in(page, site, "hanako")
    page.goto(f"{site}/requests/mine/{created.service_request_id}/")
    expect(page.get_by_text("補修しました。").first).to_be_visible()
    field(page, "再開する理由").fill("まだ段差が残っています。")
    page.get_by_role("button", name="再開する").click()
    expect(page.get_by_role("status")).to_have_text(
        f"{created.label}を再開しました。区役所が改めて確認します"
    )
    created.refresh_from_db()
    assert created.status == Request.Status.CHECKING
    log_out(page)

    # The public list and map: the label and status, the location rounded; never the words or the name.
    page.goto(f"{site}/requests/?status=open")
    row = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=created.label, exact=True))
    expect(row).to_contain_text("確認中")
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    body = page.locator("main")
    expect(body).not_to_contain_text("段差")
    expect(body).not_to_contain_text("熊本 花子")
    expect(body).not_to_contain_text("手取本町")
    check(page, screenshot, "public-list", viewport)
    page.get_by_role("link", name=created.label, exact=True).click()
    expect(page.get_by_text("まだ段差が残っています。")).to_be_visible()  # the reopen note is public
    expect(page.get_by_text(re.compile(r"^32\.\d{3}[05], 130\.\d{3}[05]$"))).to_be_visible()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    check(page, screenshot, "public-request", viewport)


def _record_expenditure(page, screenshot, viewport):
    field(page, "節").select_option(label="需用費")
    field(page, "支払先").fill("熊本舗装")
    field(page, "支払日").fill(timezone.localdate().isoformat())
    field(page, "金額（円）").fill("３０，０００")
    page.get_by_role("button", name="支出を記録して決算額に計上する").click()
    expect(page.get_by_role("status")).to_have_text(
        "30,000円の支出を記録し、基金の事業の決算額に計上しました"
    )
    table = page.get_by_role("table", name="支出と戻入（記録順）")
    expect(table).to_contain_text("熊本舗装")
    expect(page.get_by_text("基金の残り：970,000円")).to_be_visible()
    # Part of it comes back (戻入): shown as △ and the fund's money left grows again.
    page.get_by_text("戻入する").click()
    page.get_by_label(re.compile("^戻入額（円）")).fill("5000")
    page.get_by_label(re.compile("^戻入日")).fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="戻入を記録する").click()
    expect(page.get_by_role("status")).to_have_text("5,000円を戻入し、基金の事業の決算額から差し引きました")
    expect(table).to_contain_text("△5,000")
    expect(page.get_by_text("基金の残り：975,000円")).to_be_visible()
    check(page, screenshot, "expenditure", viewport)


def test_a_near_open_request_is_offered_first_and_followed(
    page, screenshot, site, setting, django_user_model
):
    from machi.requests import actions

    viewport = "phone"
    page.set_viewport_size(VIEWPORTS[viewport])
    road = Category.objects.get(code="road")
    neighbour = django_user_model.objects.create_user("taro", "taro@example.jp", display_name="熊本 太郎")
    first = actions.submit_request(
        actor=neighbour,
        category=road,
        description="市役所前の歩道が割れています（太郎）",
        latitude="32.803100",
        longitude="130.707900",
    )
    log_in(page, site, "hanako")
    page.goto(f"{site}/requests/report/?category={road.pk}")
    page.get_by_role("region", name=re.compile("^地図")).click()  # its centre: 熊本市役所
    field(page, "内容").fill("歩道に段差があります。")
    page.get_by_role("button", name="この内容で申し出る").click()

    offered = page.get_by_role("region", name="近くで同じ種類の問題が既に知らされています")
    expect(offered).to_contain_text(first.label)
    expect(offered).not_to_contain_text("太郎")  # the other's words and name are never shown
    expect(page.get_by_role("button", name="別の問題として申し出る")).to_be_visible()
    check(page, screenshot, "duplicate", viewport)
    page.get_by_role("button", name=f"同じ問題です（フォローする） {first.label}").click()

    expect(page.get_by_role("status")).to_contain_text(f"{first.label}をフォローしました")
    expect(page.get_by_text("フォロー中")).to_be_visible()
    assert Request.objects.count() == 1
    assert first.followers.filter(user__username="hanako").exists()
