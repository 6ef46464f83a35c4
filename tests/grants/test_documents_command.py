"""`machi grants notice` and `machi grants export`: the same files as the downloads, refusals in Japanese."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from tests.core.pdf_support import pdf_text


def run(*args) -> str:
    out = StringIO()
    call_command("grants", *args, stdout=out)
    return out.getvalue()


def test_a_notice_by_its_application_number(confirmed, tmp_path):
    target = tmp_path / "notice.pdf"
    printed = run("notice", "--application", confirmed.number, "--kind", "confirmation", "-o", str(target))
    assert f"西区補確第4-{confirmed.pk}号" in printed
    text = pdf_text(target.read_bytes())
    assert "金170,000円" in text
    # The bare id, in full-width digits as a person might type it, names the same application.
    digits = str(confirmed.pk).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    run("notice", "--application", digits, "--kind", "decision", "-o", str(target))
    assert "金200,000円" in pdf_text(target.read_bytes())


def test_a_notice_before_its_step_or_of_no_application_is_refused(submitted, tmp_path):
    target = tmp_path / "notice.pdf"
    with pytest.raises(CommandError, match="「申請済み」のため、交付決定通知書はありません"):
        run("notice", "--application", str(submitted.pk), "--kind", "decision", "-o", str(target))
    with pytest.raises(CommandError, match="見つかりません"):
        run("notice", "--application", "G2021-00001", "--kind", "decision", "-o", str(target))
    with pytest.raises(CommandError, match="申請番号を読み取れません"):
        run("notice", "--application", "abc", "--kind", "decision", "-o", str(target))
    assert not target.exists()


def test_export_of_a_ward_year(confirmed, staff, tmp_path):
    from machi.grants import actions

    actions.pay(actor=staff, application=confirmed)
    target = tmp_path / "payments.xlsx"
    printed = run("export", "--year", "令和4年度", "--ward", "西区", "--what", "payments", "-o", str(target))
    assert "支払い・返還 1 件" in printed
    sheet = load_workbook(target)["支払い"]
    assert sheet["F4"].value == 170_000
    target = tmp_path / "applications.xlsx"
    assert "申請 1 件" in run("export", "--year", "2022", "--what", "applications", "-o", str(target))
    with pytest.raises(CommandError, match="令和5年度の西区の補助金の制度がありません"):
        run("export", "--year", "2023", "--ward", "西区", "--what", "payments", "-o", str(target))
