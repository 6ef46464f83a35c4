"""The application list and the payments as XLSX, read back with openpyxl: numbers as numbers, totals as the database's."""

import datetime as dt
from io import BytesIO

import pytest
from django.db.models import Sum
from openpyxl import load_workbook

from machi.core.xlsx import NUMBER_FORMAT
from machi.grants import actions, exports
from machi.grants.models import Application, Payment, Repayment
from machi.grants.queries import envelope_left_yen

HEADER_ROW, FIRST_ROW = 3, 4


@pytest.fixture
def pipeline(confirmed, staff, applicant, model_track, make_submitted, programme, small, group, lines):
    """Applications in every state the list shows, and one draft it does not; one paid and partly repaid."""
    project = programme.project
    project.refresh_from_db()
    settled_before = project.settled_yen or 0

    actions.pay(actor=staff, application=confirmed)
    actions.record_repayment(actor=staff, application=confirmed, amount_yen=20_000, reason="講師謝礼の過払い")

    model = make_submitted(model_track, 300_000, title="モデル事業の見守り活動")
    actions.decide(actor=staff, application=model, amount_yen=200_000)

    rejected = make_submitted(small, 90_000, title="花壇づくり")
    actions.reject(actor=staff, application=rejected, reason="対象経費の大半が備品購入のため")

    withdrawn = make_submitted(small, 150_000, title="運動会")
    actions.decide(actor=staff, application=withdrawn, amount_yen=50_000)
    actions.withdraw(actor=applicant, application=withdrawn, reason="中止のため")

    formula = make_submitted(small, 60_000, title='=HYPERLINK("http://example.com","x")')

    actions.save_draft(
        actor=applicant,
        programme=programme,
        track=small,
        group=group,
        title="まだ下書き",
        expenses=lines(("謝礼金", 10_000)),
    )
    return {
        "confirmed": confirmed,
        "model": model,
        "rejected": rejected,
        "withdrawn": withdrawn,
        "formula": formula,
        "settled_before": settled_before,
    }


def read(write, programmes):
    stream = BytesIO()
    count = write(list(programmes), stream)
    stream.seek(0)
    return count, load_workbook(stream)


def rows_by_number(sheet) -> tuple[list[str], dict[str, list]]:
    header = [cell.value for cell in sheet[HEADER_ROW]]
    rows = {}
    for row in sheet.iter_rows(min_row=FIRST_ROW, values_only=True):
        if row[0] and str(row[0]).startswith("G"):
            rows[row[0]] = dict(zip(header, row, strict=True))
    return header, rows


def test_the_application_list_has_a_title_japanese_headers_and_every_application_but_drafts(
    pipeline, programme
):
    count, workbook = read(exports.applications_xlsx, [programme])
    sheet = workbook["申請一覧"]
    assert sheet["A1"].value == "令和4年度 西区 地域コミュニティづくり支援補助金 申請一覧"
    header, rows = rows_by_number(sheet)
    assert header[:6] == ["申請番号", "団体", "区分", "事業名", "状態", "補助対象経費（計画）"]
    expected = Application.objects.filter(programme=programme).exclude(status="draft")
    assert count == len(rows) == expected.count() == 5
    assert "まだ下書き" not in [row["事業名"] for row in rows.values()]

    confirmed = rows[pipeline["confirmed"].number]
    assert confirmed["団体"] == "島崎校区自治協議会"
    assert confirmed["区分"] == "身近な課題解決対応"
    assert confirmed["状態"] == "支払済み"
    assert confirmed["補助対象経費（計画）"] == 600_000
    assert confirmed["算定額"] == 200_000
    assert confirmed["交付決定額"] == 200_000
    assert confirmed["補助対象経費（実績）"] == 510_000
    assert confirmed["確定額"] == 170_000
    assert confirmed["支払額"] == 170_000
    assert confirmed["返還額"] == 20_000
    assert isinstance(confirmed["申請日"], dt.datetime)
    assert confirmed["支払日"].date() == Payment.objects.get().paid_at.astimezone().date()

    model = rows[pipeline["model"].number]
    assert (model["区分"], model["算定額"], model["交付決定額"]) == ("モデル事業", 200_000, 200_000)
    assert (model["確定額"], model["支払額"], model["補助対象経費（実績）"]) == ("―", "―", "―")
    rejected = rows[pipeline["rejected"].number]
    # Not decided: the grant the rule gives on the planned expenses (90,000 × 1/3 = 30,000).
    assert (rejected["状態"], rejected["算定額"], rejected["交付決定額"]) == ("不交付", 30_000, "―")


def test_amounts_are_numbers_with_the_yen_format_and_dates_are_dates(pipeline, programme):
    _, workbook = read(exports.applications_xlsx, [programme])
    sheet = workbook["申請一覧"]
    header = [cell.value for cell in sheet[HEADER_ROW]]
    decided = header.index("交付決定額") + 1
    submitted = header.index("申請日") + 1
    cells = [sheet.cell(row, decided) for row in range(FIRST_ROW, FIRST_ROW + 5)]
    numbers = [cell for cell in cells if isinstance(cell.value, int)]
    assert len(numbers) == 3  # confirmed, model, withdrawn: decided amounts
    assert all(cell.number_format == NUMBER_FORMAT for cell in numbers)
    assert sheet.cell(FIRST_ROW, submitted).number_format == exports.DATE_FORMAT
    assert sheet.cell(FIRST_ROW, submitted).is_date


def test_the_totals_reconcile_with_the_database(pipeline, programme):
    _, workbook = read(exports.applications_xlsx, [programme])
    sheet = workbook["申請一覧"]
    header = [cell.value for cell in sheet[HEADER_ROW]]
    total = next(row for row in sheet.iter_rows(min_row=FIRST_ROW, values_only=True) if row[0] == "合計")
    total = dict(zip(header, total, strict=True))
    listed = Application.objects.filter(programme=programme).exclude(status="draft")
    assert total["状態"] == "5件"
    assert total["交付決定額"] == listed.aggregate(s=Sum("decided_yen"))["s"] == 450_000
    assert total["確定額"] == listed.aggregate(s=Sum("confirmed_yen"))["s"] == 170_000
    assert total["支払額"] == Payment.objects.aggregate(s=Sum("amount_yen"))["s"] == 170_000
    assert total["返還額"] == Repayment.objects.aggregate(s=Sum("amount_yen"))["s"] == 20_000

    notes = {
        row[3]: row[header.index("交付決定額")]
        for row in sheet.iter_rows(min_row=FIRST_ROW, values_only=True)
        if row[3] and row[0] is None
    }
    left = envelope_left_yen(programme)
    assert notes["予算額（補正後、補正前は当初）"] == programme.envelope_yen
    # The paid grant (170,000, 20,000 of it repaid) is in the project's 決算額; the withdrawn grant is
    # released; the decided and unpaid one holds its 交付決定額, 200,000.
    assert notes["事業の決算額（支払済みの補助金を含む。返還は差し引き済み）"] == 150_000
    assert notes["交付決定済みで未払い（確定後は確定額。取下げ・不交付を除く）"] == 200_000
    assert notes["予算の残額"] == left == programme.envelope_yen - 150_000 - 200_000


def test_a_title_that_looks_like_a_formula_is_stored_as_text(pipeline, programme):
    _, workbook = read(exports.applications_xlsx, [programme])
    _, rows = rows_by_number(workbook["申請一覧"])
    title = rows[pipeline["formula"].number]["事業名"]
    assert title == '=HYPERLINK("http://example.com","x")'
    sheet = workbook["申請一覧"]
    cell = next(c for row in sheet.iter_rows(min_row=FIRST_ROW) for c in row if c.value == title)
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_the_payments_list_the_repayment_as_negative_and_the_net_is_what_the_ledger_got(pipeline, programme):
    count, workbook = read(exports.payments_xlsx, [programme])
    sheet = workbook["支払い"]
    assert sheet["A1"].value == "令和4年度 西区 地域コミュニティづくり支援補助金 補助金の支払い"
    header = [cell.value for cell in sheet[HEADER_ROW]]
    assert header == ["日付", "区別", "申請番号", "団体", "事業名", "金額", "返還の理由"]
    rows = [
        dict(zip(header, row, strict=True))
        for row in sheet.iter_rows(min_row=FIRST_ROW, max_row=FIRST_ROW + count - 1, values_only=True)
    ]
    number = pipeline["confirmed"].number
    assert [(r["区別"], r["申請番号"], r["金額"], r["返還の理由"]) for r in rows] == [
        ("支払", number, 170_000, None),
        ("返還", number, -20_000, "講師謝礼の過払い"),
    ]
    assert sheet.cell(FIRST_ROW + 1, header.index("金額") + 1).number_format == NUMBER_FORMAT
    totals = {
        row[4]: row[5] for row in sheet.iter_rows(min_row=FIRST_ROW + count, values_only=True) if row[4]
    }
    assert totals["支払額の合計（1件）"] == 170_000
    assert totals["返還額の合計"] == -20_000
    net = totals["差引（事業の決算額に計上した額）"]
    project = programme.project
    project.refresh_from_db()
    assert net == 150_000 == project.settled_yen - pipeline["settled_before"]


def test_a_ward_year_takes_that_wards_programmes_only(pipeline, programme):
    chosen = list(exports.programmes_of(2022, "西区"))
    assert chosen == [programme]
    assert list(exports.programmes_of(2022, programme.ward.code)) == [programme]
    every_ward = list(exports.programmes_of(2022))
    assert len(every_ward) == 4
    count, workbook = read(exports.applications_xlsx, every_ward)
    assert count == 5  # the other wards have no applications
    sheet = workbook["申請一覧"]
    assert sheet["A1"].value == "令和4年度 中央区・東区・西区・南区 地域コミュニティづくり支援補助金 申請一覧"
    # Several wards: each row says whose it is, and the totals stay under the same columns.
    assert [cell.value for cell in sheet[HEADER_ROW]][:3] == ["区", "申請番号", "団体"]
    assert {sheet.cell(row, 1).value for row in range(FIRST_ROW, FIRST_ROW + count)} == {"西区"}
    total = [cell.value for cell in sheet[FIRST_ROW + count]]
    assert total[0] == "合計"
    assert total[[cell.value for cell in sheet[HEADER_ROW]].index("交付決定額")] == 450_000


def test_an_empty_programme_gives_the_headers_and_zero_totals(grants):
    from machi.grants.models import GrantProgramme

    chuo = GrantProgramme.objects.get(ward__name="中央区")
    count, workbook = read(exports.payments_xlsx, [chuo])
    assert count == 0
    sheet = workbook["支払い"]
    assert sheet.cell(FIRST_ROW, 5).value == "支払額の合計（0件）"
    assert sheet.cell(FIRST_ROW, 6).value == 0
