"""今日の仕事 in a real browser, on a desktop and on a phone (375×812), with axe-core.

Ward staff log in and land on their home: the bookings waiting for approval, today's day sheet, the
groups to review are counts with links, a count of 0 quietly shown; the header links the home from
every page; they follow a count to the page where it waits. A centre manager sees only their centre.
Screenshots land in test-artifacts/staff-home-*.png.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, VIEWPORTS, log_in, page_checker

from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup, RoleGrant
from machi.facilities.actions import save_centre
from machi.facilities.models import Centre, Reservation, Room
from machi.ledger.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

check = page_checker("staff-home")


@pytest.fixture
def site(local_site):
    return local_site


@pytest.fixture
def wards(django_user_model, ward_staff):
    chuo = Ward.objects.create(code="431010", name="中央区")
    higashi = Ward.objects.create(code="431028", name="東区")
    resident = django_user_model.objects.create_user("hanako", "hanako@example.jp", display_name="熊本花子")
    today = timezone.localdate()
    shirakawa = save_centre(
        actor=SYSTEM, centre=Centre(ward=chuo, name="白川地域コミュニティセンター", phone="096-000-0001")
    )
    kurokami = save_centre(
        actor=SYSTEM, centre=Centre(ward=chuo, name="黒髪地域コミュニティセンター", phone="096-000-0002")
    )
    save_centre(actor=SYSTEM, centre=Centre(ward=higashi, name="健軍地域コミュニティセンター", phone="0"))
    hall = Room.objects.create(
        centre=shirakawa, name="多目的ホール", capacity=80, fee_per_block_yen=1500, requires_approval=True
    )
    Room.objects.create(centre=kurokami, name="和室", capacity=20, fee_per_block_yen=600)
    for day, status in [
        (today + datetime.timedelta(days=3), "pending"),
        (today + datetime.timedelta(days=4), "pending"),
        (today, "confirmed"),
    ]:
        Reservation.objects.create(room=hall, date=day, status=status, holder=resident, fee_yen=1500)
    CommunityGroup.objects.create(
        name="白川一丁目自治会", kind="jichikai", ward=chuo, representative=resident
    )
    staff = ward_staff("chuo-staff", chuo, display_name="中央区 職員")
    staff.set_password(PASSWORD)
    staff.save()
    manager = django_user_model.objects.create_user(
        "kanri", "kanri@example.jp", PASSWORD, display_name="管理 一郎"
    )
    RoleGrant.objects.create(user=manager, role="centre-manager", centre=kurokami)
    return {"staff": staff, "manager": manager}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_ward_staff_land_on_what_waits_today_and_follow_a_count(page, screenshot, site, wards, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, site, "chuo-staff")
    page.wait_for_url("**/accounts/staff/")
    expect(page.get_by_role("heading", level=1, name="今日の仕事")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name=re.compile(r"^承認を待っている予約\s*2件$"))).to_be_visible()
    expect(main.get_by_role("link", name=re.compile(r"^審査を待っている団体\s*1件$"))).to_be_visible()
    expect(
        main.get_by_role("link", name=re.compile(r"^白川地域コミュニティセンター\s*中央区\s*1件$"))
    ).to_be_visible()
    quiet = main.get_by_role("listitem").filter(has_text="黒髪地域コミュニティセンター")
    expect(quiet).to_have_class(re.compile("task--none"))
    expect(main).not_to_contain_text("健軍地域コミュニティセンター")
    check(page, screenshot, "ward-staff", viewport)

    page.goto(site + "/grants/")
    header = page.get_by_role("banner")
    header.get_by_role("link", name="今日の仕事").click()
    page.wait_for_url("**/accounts/staff/")
    main.get_by_role("link", name=re.compile(r"^承認を待っている予約")).click()
    page.wait_for_url("**/facilities/manage/")
    expect(page.get_by_role("main")).to_contain_text("多目的ホール")

    page.goto(site + "/accounts/staff/")
    main.get_by_role("link", name=re.compile(r"^白川地域コミュニティセンター")).click()
    page.wait_for_url("**/facilities/manage/centres/*/sheet/")
    expect(page.get_by_role("main")).to_contain_text("白川地域コミュニティセンター")
    expect(page.get_by_role("heading", level=1)).to_contain_text("日報")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_centre_manager_sees_only_their_centre(page, screenshot, site, wards, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, site, "kanri")
    page.wait_for_url("**/accounts/staff/")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name=re.compile(r"^黒髪地域コミュニティセンター"))).to_be_visible()
    expect(main).not_to_contain_text("白川地域コミュニティセンター")
    expect(main).not_to_contain_text("審査を待っている団体")
    expect(page.get_by_role("banner").get_by_role("link", name="今日の仕事")).to_be_visible()
    check(page, screenshot, "centre-manager", viewport)
