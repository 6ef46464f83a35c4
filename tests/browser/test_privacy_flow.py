"""A person's rights over their data in a real browser: the privacy page, the profile's download,
and the account's deletion with its explanation and password confirmation. Screenshots land in
test-artifacts/privacy-*.png for a person to look at."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, field, log_in, page_checker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

check = page_checker("privacy")


def test_download_then_delete_the_account(page, screenshot, local_site, django_user_model):
    django_user_model.objects.create_user(
        "hanako",
        email="hanako@example.jp",
        password=PASSWORD,
        display_name="熊本 花子",
        phone="090-1111-2222",
    )
    page.goto(local_site + "/")
    page.get_by_role("link", name="個人情報の取扱い").click()
    page.wait_for_url("**/privacy/")
    assert "3年度が過ぎるまで保存" in page.inner_text("main")
    check(page, screenshot, "page", "desktop")

    log_in(page, local_site, "hanako")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="登録情報のダウンロード（JSON）").click()
    data = json.loads(Path(downloading.value.path()).read_text(encoding="utf-8"))
    assert data["sections"]["account"][0]["phone"] == "090-1111-2222"

    page.get_by_role("link", name="アカウントの削除").click()
    page.wait_for_url("**/accounts/profile/delete/")
    assert "消去されるもの" in page.inner_text("main") and "残るもの" in page.inner_text("main")
    check(page, screenshot, "delete", "desktop")
    field(page, "パスワード（確認のため）").fill(PASSWORD)
    page.get_by_role("button", name="アカウントを削除する").click()
    assert page.get_by_role("heading", level=1).inner_text() == "アカウントを削除しました"
    expect(page.get_by_role("link", name="ログイン")).to_be_visible()
    hanako = django_user_model.objects.get()
    assert hanako.username == f"deleted-{hanako.pk}" and hanako.phone == ""
