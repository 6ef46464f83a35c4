"""Reporting a problem works without JavaScript (and so without the map): the ward and category are plain
forms, the address field takes the map's place, and the report is received. On a phone (axe-core needs
script, so test_request_flow checks these pages).
Screenshots land in test-artifacts/request-no-script-*.png."""

import pytest
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, VIEWPORTS, field, log_in

from machi.ledger.models import Ward
from machi.requests.models import Category, Request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def setting(django_user_model):
    ward = Ward.objects.get_or_create(code="431010", defaults={"name": "中央区", "name_en": "Chuo"})[0]
    Category.objects.create(ward=ward, code="light", name="街灯の故障", group="道路・街灯")
    django_user_model.objects.create_user("hanako", "hanako@example.jp", password=PASSWORD)


def test_report_by_address_without_javascript(page, screenshot, local_site, setting):
    viewport = "phone"
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, local_site, "hanako")
    page.goto(f"{local_site}/requests/report/")
    field(page, "場所のある区").select_option(label="中央区")
    page.get_by_role("button", name="次へ（種類を選ぶ）").click()
    page.get_by_label("街灯の故障").check()
    page.get_by_role("button", name="次へ（場所と内容）").click()
    expect(page.get_by_role("region", name="地図（押した所に印を置きます）")).to_be_hidden()
    expect(page.get_by_role("button", name="現在地")).to_be_hidden()

    page.get_by_role("button", name="この内容で申し出る").click()  # nothing typed: told what is missing
    expect(page.get_by_role("alert")).to_contain_text("内容を入力してください")
    field(page, "住所・場所").fill("中央区水前寺6丁目 公園の北側の街灯")
    field(page, "内容").fill("夜になっても街灯がつきません。")
    screenshot(f"request-no-script-form-{viewport}")  # axe runs script: the walk with it checks this page
    page.get_by_role("button", name="この内容で申し出る").click()

    created = Request.objects.get()
    assert created.latitude is None and created.address == "中央区水前寺6丁目 公園の北側の街灯"
    expect(page.get_by_role("heading", name=created.label)).to_be_visible()
    screenshot(f"request-no-script-reported-{viewport}")
