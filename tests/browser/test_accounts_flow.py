"""The account pages in a real browser, on a desktop and on a phone (375×812), with axe-core.

Sign up → open the mailed link → log in → edit the profile; then a group's
registration and its review by the ward's staff. Screenshots land in
test-artifacts/accounts-*.png for a person to look at.
"""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, VIEWPORTS, assert_accessible, field, log_in, page_checker

from machi.accounts.models import CommunityGroup
from machi.ledger.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(local_site, settings):
    """The live server, sending mail to django.core.mail.outbox."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return local_site


check = page_checker("accounts")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_sign_up_verify_log_in_and_edit_the_profile(page, screenshot, site, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    email = f"hanako-{viewport}@example.jp"

    page.goto(site + "/")
    page.get_by_role("link", name="ログイン").click()
    page.get_by_role("link", name="はじめての方（利用者登録）").click()
    page.wait_for_url("**/accounts/signup/")
    check(page, screenshot, "signup", viewport)

    # A first try with mistakes: the errors are listed at the top and told beside each field.
    field(page, "メールアドレス").fill("hanako@")
    field(page, "パスワード").fill(PASSWORD)
    field(page, "パスワード（確認）").fill("something-else")
    page.get_by_role("button", name="登録する").click()
    summary = page.get_by_role("alert")
    assert "入力内容を確認してください" in summary.inner_text()
    assert field(page, "パスワード（確認）").get_attribute("aria-invalid") == "true"
    assert "パスワードが一致しません" in page.locator("#id_password2_error").inner_text()
    check(page, screenshot, "signup-errors", viewport)

    field(page, "メールアドレス").fill(email)
    field(page, "パスワード").fill(PASSWORD)
    field(page, "パスワード（確認）").fill(PASSWORD)
    field(page, "表示名").fill("熊本 花子")
    field(page, "氏名（かな）").fill("くまもと はなこ")
    page.get_by_role("button", name="登録する").click()
    page.wait_for_url("**/accounts/signup/done/")
    assert page.get_by_role("heading", level=1).inner_text() == "確認用のメールを送りました"
    check(page, screenshot, "signup-done", viewport)

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/verify/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "メールアドレスを確認しました"
    check(page, screenshot, "verified", viewport)

    page.get_by_role("link", name="ログインする").click()
    page.wait_for_url("**/accounts/login/")
    check(page, screenshot, "login", viewport)
    page.get_by_label(re.compile("^メールアドレスまたはユーザー名")).fill(email.upper())
    field(page, "パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログインする").click()
    page.wait_for_url("**/accounts/profile/")
    assert "熊本 花子 さん" in page.get_by_role("heading", level=1).inner_text()
    check(page, screenshot, "profile", viewport)

    field(page, "表示名").fill("花子")
    field(page, "電話番号").fill("０９６－１２３－４５６７")
    field(page, "校区").fill("五福校区")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_url("**/accounts/profile/")
    assert "保存しました" in page.get_by_role("status").inner_text()
    assert field(page, "電話番号").input_value() == "096-123-4567"
    assert "花子 さん" in page.get_by_role("heading", level=1).inner_text()
    check(page, screenshot, "profile-saved", viewport)

    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(site + "/")
    expect(page.get_by_role("link", name="ログイン")).to_be_visible()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_group_is_registered_and_reviewed_by_its_wards_staff(
    page, screenshot, site, viewport, django_user_model, ward_staff
):
    page.set_viewport_size(VIEWPORTS[viewport])
    higashi = Ward.objects.create(code="431028", name="東区")
    Ward.objects.create(code="431036", name="西区")
    django_user_model.objects.create_user(
        "hanako@example.jp",
        "hanako@example.jp",
        PASSWORD,
        display_name="熊本 花子",
        email_verified_at=timezone.now(),
    )
    staff = ward_staff("higashi", higashi, display_name="東区 職員")
    staff.set_password(PASSWORD)
    staff.save()

    log_in(page, site, "hanako@example.jp")
    page.get_by_role("link", name="団体を登録する").click()
    page.wait_for_url("**/accounts/groups/new/")
    page.get_by_role("button", name="登録を申請する").click()  # empty: errors, nothing written
    expect(page.get_by_role("alert")).to_be_visible()
    check(page, screenshot, "group-new-errors", viewport)
    field(page, "団体名").fill("花園一丁目町内自治会")
    page.get_by_role("radio", name="自治会").check()
    field(page, "区").select_option(label="東区")
    field(page, "構成員").fill("熊本 太郎,くまもと たろう\n阿蘇 次郎,あそ じろう")
    page.get_by_role("button", name="登録を申請する").click()
    page.wait_for_url("**/accounts/groups/")
    assert "審査中" in page.get_by_role("main").inner_text()
    check(page, screenshot, "groups", viewport)
    page.get_by_role("button", name="ログアウト").click()

    log_in(page, site, "higashi")
    page.wait_for_url("**/accounts/staff/")  # staff land on 今日の仕事, which counts the group waiting
    page.get_by_role("link", name=re.compile(r"^審査を待っている団体\s*1件$")).click()
    page.wait_for_url("**/accounts/staff/groups/")
    check(page, screenshot, "staff-groups", viewport)
    page.get_by_role("link", name=re.compile(r"^花園一丁目町内自治会を\s*審査する$")).click()
    page.get_by_role("radio", name="承認しない（不承認）").check()
    page.get_by_role("button", name="審査の結果を登録する").click()
    assert "不承認の理由を入力してください" in page.locator("#id_reason_error").inner_text()
    check(page, screenshot, "staff-review-errors", viewport)
    page.get_by_role("radio", name="承認する").check()
    page.get_by_role("button", name="審査の結果を登録する").click()
    page.wait_for_url("**/accounts/staff/groups/")
    assert CommunityGroup.objects.get().status == "approved"
    assert mail.outbox[-1].to == ["hanako@example.jp"]
    check(page, screenshot, "staff-groups-reviewed", viewport)

    page.goto(site + "/accounts/tokens/")
    field(page, "トークンの名前").fill("集計用スクリプト")
    page.get_by_role("button", name="トークンを作る").click()
    assert page.get_by_label(re.compile("^トークン")).input_value().startswith("machi_")
    check(page, screenshot, "token-created", viewport)
    page.get_by_role("link", name="トークンの一覧へ戻る").click()
    check(page, screenshot, "tokens", viewport)
    page.get_by_role("link", name=re.compile(r"^失効させる")).click()
    check(page, screenshot, "token-revoke", viewport)
    page.get_by_role("button", name="失効させる").click()
    page.wait_for_url("**/accounts/tokens/")
    assert "失効させました" in page.get_by_role("status").inner_text()
    check(page, screenshot, "tokens-revoked", viewport)


def test_the_lock_out_page_after_five_wrong_passwords(page, screenshot, site, django_user_model):
    django_user_model.objects.create_user("hanako@example.jp", "hanako@example.jp", PASSWORD)
    for _ in range(5):
        page.goto(site + "/accounts/login/")
        page.get_by_label(re.compile("^メールアドレスまたはユーザー名")).fill("hanako@example.jp")
        field(page, "パスワード").fill("wrong-password")
        page.get_by_role("button", name="ログインする").click()
    assert page.get_by_role("heading", level=1).inner_text() == "ログインが一時的に制限されています"
    screenshot("accounts-locked-out-desktop")
    assert_accessible(page)
