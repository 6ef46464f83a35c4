"""The door (受付) of an event in a real browser, on a desktop and on a phone (375×812), with axe-core.

A helper logs in and opens the event's door page; types a code (with a hyphen, in lower case) and the
party is checked in; types it again and is told when and by whom; searches the roster by kana and
checks a phone caller in with the result's 受付 button; adds a walk-in; and, with a camera and a
BarcodeDetector stood in for (headless Chromium has neither), scans a third party's QR code. Screenshots land in
test-artifacts/door-*.png.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, VIEWPORTS, field, log_in, page_checker

from machi.accounts.actors import SYSTEM
from machi.events import actions
from machi.ledger.models import Programme, Project, Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

check = page_checker("door")


@pytest.fixture
def door(django_user_model):
    chuo = Ward.objects.create(code="431010", name="中央区")
    project = Project.objects.create(
        programme=Programme.objects.create(ward=chuo, fiscal_year=2026), name="防災意識の向上事業"
    )
    now = timezone.now()
    starts = now + datetime.timedelta(hours=1)
    event = actions.create_event(
        actor=SYSTEM,
        project=project,
        kind="drill",
        title="校区防災訓練",
        title_kana="こうくぼうさいくんれん",
        capacity_seats=8,
        max_party=3,
        venue_name="白川小学校 体育館",
        registration_opens_at=now - datetime.timedelta(days=10),
        registration_closes_at=now - datetime.timedelta(days=1),
        cancel_until=now - datetime.timedelta(days=2),
        sessions=[(starts, starts + datetime.timedelta(hours=2))],
    )
    event = actions.publish_event(actor=SYSTEM, event=event)
    helper = django_user_model.objects.create_user(
        "uketsuke", "uketsuke@example.jp", PASSWORD, display_name="受付 花子", email_verified_at=now
    )
    actions.grant_helper(actor=SYSTEM, event=event, user=helper)
    alice = django_user_model.objects.create_user(
        "alice", "alice@example.jp", PASSWORD, display_name="鈴木 有栖", name_kana="すずき ありす"
    )
    # Registered before registration closed (the window is in the past now).
    at = now - datetime.timedelta(days=5)
    mine = actions.register(actor=alice, event=event, party_size=2, now=at)
    caller = actions.register(
        actor=SYSTEM, event=event, party_size=1, caller=("山田 花子", "ヤマダ ハナコ", "096-123-4567"), now=at
    )
    scanned = actions.register(
        actor=SYSTEM,
        event=event,
        party_size=1,
        caller=("熊本 一郎", "くまもと いちろう", "096-000-1111"),
        now=at,
    )
    return {"event": event, "mine": mine, "caller": caller, "scanned": scanned}


# A camera that shows nothing and a BarcodeDetector that reads the QR code in `sessionStorage.fakeQr`,
# installed only once a step sets it: the browser under test has neither.
FAKE_CAMERA = """
if (sessionStorage.getItem("fakeQr")) {
  window.BarcodeDetector = class {
    static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
    detect() { return Promise.resolve([{ rawValue: sessionStorage.getItem("fakeQr") }]); }
  };
  navigator.mediaDevices.getUserMedia = () => {
    const canvas = document.createElement("canvas");
    canvas.getContext("2d").fillRect(0, 0, 10, 10);
    return Promise.resolve(canvas.captureStream());
  };
}
"""


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_helper_checks_parties_in_at_the_door(page, screenshot, local_site, viewport, door):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.add_init_script(FAKE_CAMERA)
    event, code = door["event"], door["mine"].code
    log_in(page, local_site, "uketsuke")
    page.goto(f"{local_site}/events/door/{event.pk}/")
    expect(page.get_by_role("heading", name="校区防災訓練")).to_be_visible()
    # No BarcodeDetector in this Chromium: the scan button stays hidden, typing works.
    expect(page.get_by_role("button", name="QRコードを読み取る")).to_be_hidden()

    code_field = page.get_by_label("受付番号（6文字）")
    code_field.fill(f"{code[:3].lower()}-{code[3:].lower()}")
    code_field.press("Enter")
    expect(page.get_by_role("status").filter(has_text="を受け付けました")).to_be_visible()
    expect(page.locator("#door-count")).to_contain_text("受付済み 2 人")

    page.get_by_label("受付番号（6文字）").fill(code)
    page.get_by_role("button", name="受付", exact=True).first.click()
    expect(page.get_by_role("status").filter(has_text="受付 花子さんが受付済み")).to_be_visible()

    page.get_by_label("ふりがな・電話番号の一部").fill("やまだ")
    page.get_by_role("button", name="さがす").click()
    expect(page.get_by_text("山田 花子")).to_be_visible()
    check(page, screenshot, "search", viewport)
    page.get_by_role("button", name="ヤマダ ハナコさんを受付").click()
    expect(page.get_by_role("status").filter(has_text=door["caller"].code)).to_be_visible()
    expect(page.locator("#door-count")).to_contain_text("受付済み 3 人")

    field(page, "お名前").fill("飛込 太郎")
    field(page, "ふりがな").fill("とびこみ たろう")
    field(page, "人数").fill("２")
    page.get_by_role("button", name="当日参加を受付").click()
    expect(page.get_by_role("status").filter(has_text="当日参加の飛込 太郎さん（2人）")).to_be_visible()
    expect(page.locator("#door-count")).to_contain_text("受付済み 5 人")
    check(page, screenshot, "walk-in", viewport)

    # Where the browser reads QR codes, the scan button appears; a code read is checked in.
    page.evaluate(
        "code => sessionStorage.setItem('fakeQr', 'https://machi.example/r/' + code)", door["scanned"].code
    )
    page.reload()
    page.get_by_role("button", name="QRコードを読み取る").click()
    expect(page.get_by_role("status").filter(has_text=door["scanned"].code)).to_be_visible()
    expect(page.locator("#door-count")).to_contain_text("受付済み 6 人")
