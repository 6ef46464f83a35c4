"""A ward's year, walked in a real browser on a desktop and on a phone, with axe-core at each page looked at.

On the FY2022 ledger and one community centre, nothing else: 中央区's staff start from their home,
carry the programme forward to the current fiscal year (typing No.14's 当初予算 in 千円), open a grant
round on No.14 and put a coming month of the centre to lottery. A resident sees the lottery on the
room's month, books a room, and applies for the grant for her group; staff decide, she reports, staff
confirm the amount and pay. At every step the grants page, the project page and the ward report show
the same money left. Screenshots land in test-artifacts/year-*.png.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.grant_steps import attach_pdf, fill_expenses, row
from tests.browser.support import PASSWORD, VIEWPORTS, field, log_in, log_out, page_checker

from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup, GroupMember, RoleGrant
from machi.core.fiscal import fiscal_year_of, wareki
from machi.facilities import actions as facilities
from machi.facilities.models import Centre, FeeExemption, Lottery, Reservation, Room
from machi.facilities.queries import add_months
from machi.grants.models import Application, GrantProgramme
from machi.ledger.models import Project, Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
check = page_checker("year")

GRANT = "地域コミュニティづくり支援補助金"  # 中央区 No.14, the name the programme takes too


@pytest.fixture
def site(local_site, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return local_site


@pytest.fixture
def ward(kumamoto, django_user_model):
    """中央区 of the FY2022 ledger, its staff member, one centre with a room, and a resident's group."""
    chuo = Ward.objects.get(name="中央区")
    staff = django_user_model.objects.create_user(
        "chuo-staff", "chuo-staff@example.jp", PASSWORD, display_name="中央区 職員", is_staff=True
    )
    RoleGrant.objects.create(user=staff, role="ward-staff", ward=chuo)
    centre = facilities.save_centre(
        actor=SYSTEM,
        centre=Centre(ward=chuo, name="白川地域コミュニティセンター", phone="096-000-0001"),
    )
    room = Room.objects.create(centre=centre, name="和室", capacity=20, fee_per_block_yen=600)
    FeeExemption.objects.create(centre=centre, group_kind="jichikai", percent=50)
    resident = django_user_model.objects.create_user(
        "hanako@example.jp",
        "hanako@example.jp",
        PASSWORD,
        display_name="熊本 花子",
        home_ward=chuo,
        email_verified_at=timezone.now(),
    )
    group = CommunityGroup.objects.create(
        name="白川一丁目自治会", kind="jichikai", ward=chuo, representative=resident, status="approved"
    )
    GroupMember.objects.create(group=group, name=str(resident), user=resident)
    return {"centre": centre, "room": room}


def money_left(page, site: str, year: int, project: Project, left: str) -> None:
    """The grants page, the project page and the ward report all show `left` (yen) as the money left."""
    page.goto(site + f"/grants/?year={year}")
    card = page.locator("section.programme", has_text=GRANT)
    expect(card.locator("div", has=page.locator("dt", has_text="予算の残り")).locator("dd")).to_have_text(
        f"{left}円"
    )
    page.goto(site + f"/projects/{project.pk}/")
    facts = page.locator(".money-left div", has=page.locator("dt", has_text="予算の残り"))
    expect(facts.locator("dd")).to_have_text(f"{left}円")
    page.goto(site + f"/reports/{year}/431010/")
    services = page.locator("table", has=page.locator("#services-money-caption"))
    expect(services.locator("tr", has_text=GRANT).locator("td").last).to_have_text(left)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_wards_year_from_set_up_to_payment_shows_one_money_left_throughout(
    page, screenshot, site, viewport, ward
):
    page.set_viewport_size(VIEWPORTS[viewport])
    year = fiscal_year_of(timezone.localdate())
    room = ward["room"]

    # Staff carry FY2022 forward to this year from their home, typing No.14's 当初予算 in 千円.
    log_in(page, site, "chuo-staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("今日の仕事")
    check(page, screenshot, "1-home", viewport)
    page.get_by_role("link", name="事業計画を次の年度へ引き継ぐ").click()
    page.wait_for_url("**/manage/wards/431010/")
    page.get_by_role("link", name="次年度へ引き継ぐ").click()
    page.wait_for_url("**/manage/wards/431010/2022/carry-forward/")
    page.get_by_label(re.compile("^引き継ぐ先の年度")).fill(str(year))
    page.get_by_label(f"No.14 {GRANT}").fill("1,720")
    page.get_by_role("button", name="確認画面へ進む").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("引き継ぐ内容の確認")
    page.get_by_role("button", name="この内容で作成する").click()
    expect(page.get_by_role("status")).to_contain_text(f"{wareki(year)} 中央区の年度計画を作成しました")
    project = Project.objects.get(programme__fiscal_year=year, programme__ward__name="中央区", no=14)
    assert (project.initial_yen, project.revised_yen, project.settled_yen) == (1_720_000, None, None)

    # Staff open a grant round on the carried project, open from yesterday to two months ahead.
    page.goto(site + "/grants/manage/")
    page.get_by_role("link", name="補助金の制度を作る").click()
    page.get_by_label("年度（西暦）").fill(str(year))
    page.get_by_role("button", name="この区・年度の事業を表示する").click()
    field(page, "補助金を支出する台帳の事業").select_option(label=f"No.14 {GRANT}（予算 1,720,000円）")
    field(page, "制度の名称").fill(GRANT)
    now = timezone.localtime()
    field(page, "申請の受付開始").fill(f"{now - datetime.timedelta(days=1):%Y-%m-%dT%H:%M}")
    field(page, "申請の受付締切").fill(f"{now + datetime.timedelta(days=60):%Y-%m-%dT%H:%M}")
    page.locator('[name="tracks-0-name"]').fill("一般")
    page.locator('[name="tracks-0-rate_numerator"]').fill("1")
    page.locator('[name="tracks-0-rate_denominator"]').fill("2")
    page.locator('[name="tracks-0-cap_yen"]').fill("300,000")
    check(page, screenshot, "2-grant-round", viewport)
    page.get_by_role("button", name="制度を作る").click()
    expect(page.get_by_text(f"補助金の制度「{GRANT}」を作りました。")).to_be_visible()
    assert GrantProgramme.objects.get(project=project).is_open(timezone.now())
    money_left(page, site, year, project, "1,720,000")
    check(page, screenshot, "3-report-money-left", viewport)

    # Staff put a coming month of the centre to lottery.
    month = add_months(timezone.localdate(), 4)
    label = f"{month.year}年{month.month}月"
    page.goto(site + "/facilities/manage/")
    page.get_by_role("link", name=re.compile("予約と抽選の日程")).click()
    page.get_by_role("link", name=re.compile(f"{label}分を\\s*抽選にする")).click()
    page.get_by_role("button", name="抽選にする").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{label}分を抽選にしました。")
    assert Lottery.objects.filter(centre=ward["centre"], month=month).exists()
    log_out(page)

    # The resident sees the lottery month on the room's calendar, then books a day next month.
    log_in(page, site, "hanako@example.jp")
    page.goto(site + f"/facilities/rooms/{room.pk}/?month={month:%Y-%m}")
    expect(page.get_by_text(f"{label}分は抽選で割り振ります")).to_be_visible()
    check(page, screenshot, "4-room-month", viewport)
    day = add_months(timezone.localdate(), 1).replace(day=12)
    page.goto(site + f"/facilities/rooms/{room.pk}/book/?date={day.isoformat()}&block=morning")
    page.get_by_label(re.compile("^利用目的")).fill("自治会の役員会")
    page.get_by_label(re.compile("^利用人数")).fill("12")
    page.get_by_role("button", name="確認画面へ進む").click()
    page.get_by_role("button", name="予約を確定する").click()
    page.wait_for_url("**/facilities/bookings/*/")
    booking = Reservation.objects.get(room=room)
    assert (booking.status, booking.fee_yen, booking.exemption_yen) == ("confirmed", 600, 300)

    # She applies for the grant for her group, with a quote, and submits.
    page.goto(site + "/grants/")
    page.get_by_role("link", name=re.compile(r"^中央区の補助金を\s*申請する$")).click()
    page.get_by_role("radio", name=re.compile("^一般")).check()
    field(page, "事業名").fill("防災マップづくり")
    field(page, "事業の内容").fill("校区の危険箇所を歩いて調べ、防災マップを作って全戸に配る。")
    field(page, "実施時期・日程").fill("7月〜12月")
    fill_expenses(
        page,
        "expenses",
        [("謝礼金", "講師への謝礼", "100,000"), ("印刷製本費", "マップの印刷", "300,000")],
    )
    page.locator('[data-quote="grant"]').filter(has_text="200,000円").wait_for()
    page.get_by_role("button", name="下書きを保存する").click()
    page.wait_for_url(re.compile(r"/grants/applications/\d+/$"))
    application = Application.objects.get()
    attach_pdf(page, "見積書.pdf")
    page.get_by_role("button", name="申請する", exact=True).click()
    page.get_by_text("申請しました。区の担当者が審査します。").wait_for()
    money_left(page, site, year, project, "1,720,000")  # an application holds no money yet
    log_out(page)

    # Staff find it from their home, review and decide: the decision holds its amount.
    log_in(page, site, "chuo-staff")
    page.get_by_role("link", name=re.compile("申請済み")).first.click()
    page.get_by_role("link", name=application.number).click()
    page.get_by_role("button", name="審査を始める").click()
    page.get_by_text("審査を始めました。").wait_for()
    page.locator("#id_decide_amount_yen").fill("200,000")
    page.get_by_role("button", name="交付を決定する").click()
    page.get_by_text("交付を決定しました（200,000円）。").wait_for()
    money_left(page, site, year, project, "1,520,000")
    log_out(page)

    # She reports what was spent; the grant on the actual expenses is smaller.
    log_in(page, site, "hanako@example.jp")
    page.goto(site + f"/grants/applications/{application.pk}/")
    page.get_by_role("link", name="実績報告をする").click()
    attach_pdf(page, "領収書.pdf")
    row(page, "actual", 0, "amount_yen").fill("90,000")
    row(page, "actual", 1, "amount_yen").fill("250,000")
    page.locator('[data-quote="grant"]').filter(has_text="170,000円").wait_for()
    page.get_by_role("button", name="実績報告を送る").click()
    page.get_by_text("実績報告を送りました。").wait_for()
    log_out(page)

    # Staff confirm the amount, then pay it: the payment moves from 未払い to 決算額, the money left stays.
    log_in(page, site, "chuo-staff")
    page.goto(site + f"/grants/manage/applications/{application.pk}/")
    page.get_by_role("button", name="額を確定する（確認へ）").click()
    page.get_by_role("button", name="170,000円で確定する").click()
    page.get_by_text("補助金の額を確定しました（170,000円）。").wait_for()
    money_left(page, site, year, project, "1,550,000")
    page.goto(site + f"/grants/manage/applications/{application.pk}/")
    page.get_by_role("button", name="支払う（確認へ）").click()
    expect(page.get_by_role("heading", name="この額を支払いますか")).to_be_visible()
    page.get_by_role("button", name="170,000円を支払う").click()
    page.get_by_text("170,000円を支払いました。").wait_for()
    project.refresh_from_db()
    assert project.settled_yen == 170_000
    money_left(page, site, year, project, "1,550,000")
    check(page, screenshot, "5-report-after-payment", viewport)
    page.goto(site + f"/projects/{project.pk}/")
    check(page, screenshot, "6-project-after-payment", viewport)

    # FY2022 is as the seed prints it: its No.14 carries none of this year's money.
    fy2022 = Project.objects.get(programme__fiscal_year=2022, programme__ward__name="中央区", no=14)
    assert (fy2022.revised_yen, fy2022.settled_yen) == (1_720_000, 1_567_000)
