"""The events pages in a real browser, on a desktop and on a phone (375×812), with axe-core.

Ward staff create a course of two sessions with a required question and publish it after the
confirmation; a resident finds it on the listing, registers a party of two answering the question,
sees the code and the QR code on "my registrations" and cancels; staff register a caller by phone
and read the code aloud. Screenshots land in test-artifacts/events-*.png.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, VIEWPORTS, field, log_in, log_out, page_checker

from machi.accounts.models import RoleGrant
from machi.core.fiscal import fiscal_year_of
from machi.events.models import Event, Registration
from machi.ledger.models import Programme, Project, Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

check = page_checker("events")


@pytest.fixture
def site(local_site, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return local_site


@pytest.fixture
def people(django_user_model):
    chuo = Ward.objects.create(code="431010", name="中央区")
    programme = Programme.objects.create(ward=chuo, fiscal_year=fiscal_year_of(timezone.localdate()))
    Project.objects.create(programme=programme, name="校区防災力向上事業")
    staff = django_user_model.objects.create_user(
        "chuo-staff", "staff@example.jp", PASSWORD, display_name="中央 職員", is_staff=True
    )
    RoleGrant.objects.create(user=staff, role="ward-staff", ward=chuo)
    django_user_model.objects.create_user(
        "hanako@example.jp",
        "hanako@example.jp",
        PASSWORD,
        display_name="熊本 花子",
        home_ward=chuo,
        email_verified_at=timezone.now(),
    )


def session_field(page, n: int, label: str):
    return page.get_by_label(f"第{n}回 {label}", exact=True)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_create_publish_register_cancel_and_take_a_phone_caller(page, screenshot, site, viewport, people):
    page.set_viewport_size(VIEWPORTS[viewport])
    first = timezone.localdate() + datetime.timedelta(days=20)
    second = first + datetime.timedelta(days=7)

    # Staff create a course of two sessions with a required question, and publish it.
    log_in(page, site, "chuo-staff")
    page.goto(site + "/events/manage/")
    page.get_by_role("link", name="催しを作成する").click()
    page.wait_for_url("**/events/manage/new/")
    field(page, "事業").select_option(index=1)
    field(page, "種類").select_option(label="講座")
    field(page, "名称").fill("はじめての防災講座")
    field(page, "名称（かな）").fill("はじめてのぼうさいこうざ")
    field(page, "会場名（センター以外）").fill("白川公園")
    field(page, "会場の住所").fill("熊本市中央区白川町1-1")
    field(page, "定員（人）").fill("２０")
    field(page, "1件で申し込める人数").fill("3")
    field(page, "参加費（円）").fill("500")
    field(page, "申込開始").fill(f"{timezone.localdate() - datetime.timedelta(days=1)}T09:00")
    field(page, "申込締切").fill(f"{first - datetime.timedelta(days=2)}T17:00")
    field(page, "取消の期限").fill(f"{first - datetime.timedelta(days=3)}T17:00")
    for n, day in ((1, first), (2, second)):
        session_field(page, n, "開催日").fill(day.isoformat())
        session_field(page, n, "開始").fill("10:00")
        session_field(page, n, "終了").fill("12:00")
    page.get_by_label("質問1 質問", exact=True).fill("食物アレルギーはありますか")
    page.get_by_label("質問1 回答の形式", exact=True).select_option(label="選択")
    page.get_by_label("質問1 選択肢（1行に1つ）", exact=True).fill("なし\nあり")
    page.get_by_label("質問1 回答必須", exact=True).check()
    check(page, screenshot, "create", viewport)
    page.get_by_role("button", name="下書きを保存する").click()
    page.wait_for_url(re.compile(r"/events/manage/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("下書きを保存しました")
    event = Event.objects.get()
    assert (event.status, event.sessions.count(), event.capacity_seats) == ("draft", 2, 20)
    page.get_by_role("link", name="公開する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("この内容で公開しますか")
    check(page, screenshot, "publish", viewport)
    page.get_by_role("button", name="公開する").click()
    expect(page.get_by_role("status")).to_contain_text("公開しました")
    log_out(page)

    # A resident finds it on the listing, registers a party of two, answering the question.
    log_in(page, site, "hanako@example.jp")
    page.get_by_role("link", name="催し・講座").first.click()
    page.wait_for_url("**/events/")
    card = page.locator(".event-card", has_text="はじめての防災講座")
    expect(card).to_contain_text("残り20席")
    expect(card).to_contain_text("全2回")
    check(page, screenshot, "listing", viewport)
    card.get_by_role("link", name="はじめての防災講座").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("はじめての防災講座")
    field(page, "参加する人数").select_option(label="2人")
    page.get_by_role("button", name="申し込む").click()
    expect(page.get_by_role("alert")).to_contain_text("「食物アレルギーはありますか」に回答してください")
    check(page, screenshot, "event-refused", viewport)
    field(page, "参加する人数").select_option(label="2人")
    page.get_by_role("radio", name="あり").check()
    page.get_by_role("button", name="申し込む").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("参加の申込を受け付けました")
    check(page, screenshot, "registered", viewport)
    registration = Registration.objects.get(person__username="hanako@example.jp")
    assert (registration.party_size, registration.status) == (2, "confirmed")
    assert mail.outbox[-1].attachments[0][2] == "image/png"
    page.get_by_role("link", name="自分の申込").first.click()
    expect(page.locator(".reg-code__value")).to_have_text(registration.code)
    expect(page.get_by_role("img", name=f"受付番号 {registration.code} のQRコード")).to_be_visible()
    check(page, screenshot, "mine", viewport)
    page.get_by_role("link", name=re.compile(rf"受付番号 {registration.code} の申込を\s*取り消す")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申込の取消")
    check(page, screenshot, "cancel", viewport)
    page.get_by_role("button", name="申込を取り消す").click()
    expect(page.get_by_role("status")).to_contain_text(f"受付番号 {registration.code} の申込を取り消しました")
    registration.refresh_from_db()
    assert registration.status == "cancelled"
    log_out(page)

    # Staff take a caller's registration by phone and read the code aloud.
    log_in(page, site, "chuo-staff")
    page.goto(f"{site}/events/manage/{event.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("はじめての防災講座")
    check(page, screenshot, "manage-event", viewport)
    page.get_by_role("link", name="電話・窓口の申込を受ける").click()
    field(page, "申し込む方のお名前").fill("阿蘇 太郎")
    field(page, "お名前（かな）").fill("あそ たろう")
    field(page, "電話番号").fill("０９６－１１１－２２２２")
    field(page, "参加する人数").select_option(label="1人")
    page.get_by_role("radio", name="なし").check()
    page.get_by_role("button", name="申込を受け付ける").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申込を受け付けました")
    caller = Registration.objects.get(on_behalf=True)
    assert (caller.caller_phone, caller.status) == ("096-111-2222", "confirmed")
    expect(page.locator(".reg-code__value")).to_have_text(caller.code)
    check(page, screenshot, "phone-code", viewport)
    page.get_by_role("link", name="名簿とキャンセル待ち").click()
    confirmed = page.get_by_role("region", name=re.compile("^確定")).first
    expect(confirmed).to_contain_text("あそ たろう")
    expect(confirmed).to_contain_text("096-111-2222")
    expect(page.get_by_role("region", name=re.compile("^取消")).first).to_contain_text(registration.code)
    check(page, screenshot, "roster", viewport)
