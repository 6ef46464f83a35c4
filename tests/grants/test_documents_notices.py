"""交付決定通知書 and 交付額確定通知書: read back from the PDF, in Japanese, with the embedded font.

The PDFs are written to test-artifacts/grants/ for a person to look at.
"""

import datetime as dt
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader
from tests.core.pdf_support import embedded_fonts, pdf_text
from tests.grants.conftest import IN_WINDOW

from machi.core.fiscal import wareki_date
from machi.grants import actions, documents

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "grants"
TZ = timezone.get_default_timezone()
JUNE_1 = dt.datetime(2022, 6, 1, 9, 30, tzinfo=TZ)
DECEMBER_20 = dt.datetime(2022, 12, 20, 14, 0, tzinfo=TZ)
JANUARY_10 = dt.datetime(2023, 1, 10, 11, 0, tzinfo=TZ)


def save(name: str, data: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)


@pytest.fixture
def decided_june_1(submitted, staff):
    actions.start_review(actor=staff, application=submitted)
    return actions.decide(
        actor=staff,
        application=submitted,
        amount_yen=200_000,
        conditions="活動の写真を添えて報告すること\n成果物（防災マップ）を1部提出すること",
        now=JUNE_1,
    )


@pytest.fixture
def confirmed_january_10(decided_june_1, applicant, staff, lines):
    actions.report_results(
        actor=applicant,
        application=decided_june_1,
        expenses=lines(("謝礼金", 90_000), ("印刷製本費", 420_000), ("飲食費", 40_000)),
        now=DECEMBER_20,
    )
    return actions.confirm_amount(actor=staff, application=decided_june_1, now=JANUARY_10)


def test_wareki_dates_follow_the_era_in_force_that_day():
    assert wareki_date(dt.date(2022, 6, 1)) == "令和4年6月1日"
    assert wareki_date(dt.date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki_date(dt.date(2019, 4, 30)) == "平成31年4月30日"
    assert wareki_date(dt.date(1989, 1, 8)) == "平成元年1月8日"
    assert wareki_date(dt.date(1989, 1, 7)) == "昭和64年1月7日"


def test_the_decision_notice_names_the_group_the_amount_the_terms_and_the_date(decided_june_1):
    application = decided_june_1
    data = documents.render_decision_notice(application)
    save("decision-notice.pdf", data)
    text = pdf_text(data)

    assert f"西区補交第4-{application.pk}号" in text
    assert "令和4年6月1日" in text  # the day of the decision, not of printing
    assert "令和4年6月1日付けで申請のあった" in text  # submitted on the same day (IN_WINDOW)
    assert "島崎校区自治協議会" in text
    assert "代表者山田花子様" in text
    assert "熊本市西区長" in text
    assert "令和4年度地域コミュニティづくり支援補助金交付決定通知書" in text
    assert "下記のとおり交付することに決定したので通知します" in text
    assert "金200,000円" in text
    assert "身近な課題解決対応（補助率1/3、上限額200,000円、千円未満切り捨て）" in text
    assert "600,000円" in text  # planned eligible: 謝礼金 100,000 + 印刷製本費 500,000 (飲食費 is not)
    assert "交付決定の日から令和5年3月31日まで" in text
    assert "実施時期：2022年7月〜12月" in text
    assert "活動の写真を添えて報告すること" in text
    assert "成果物（防災マップ）を1部提出すること" in text
    assert application.number in text


def test_the_notices_embed_their_font_and_are_a4_portrait(confirmed_january_10):
    for data in (
        documents.render_decision_notice(confirmed_january_10),
        documents.render_confirmation_notice(confirmed_january_10),
    ):
        fonts = embedded_fonts(data)
        assert any("IPAexGothic" in name for name in fonts), fonts
        assert all(fonts.values()), fonts  # nothing left to the reader's own fonts
        page = PdfReader(BytesIO(data)).pages[0]
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
        assert len(PdfReader(BytesIO(data)).pages) == 1


def test_the_confirmation_notice_shows_decided_actual_recomputed_and_confirmed(confirmed_january_10):
    application = confirmed_january_10
    # 実績: 謝礼金 90,000 + 印刷製本費 420,000 = 510,000 eligible (飲食費 40,000 is not) → 1/3 = 170,000.
    assert application.confirmed_yen == 170_000
    data = documents.render_confirmation_notice(application)
    save("confirmation-notice.pdf", data)
    text = pdf_text(data)

    assert f"西区補確第4-{application.pk}号" in text
    assert "令和5年1月10日" in text
    assert f"令和4年6月1日付け西区補交第4-{application.pk}号で交付決定した" in text
    assert "令和4年12月20日付けで提出のあった実績報告に基づき" in text
    assert "交付額確定通知書" in text
    assert "代表者山田花子様" in text
    assert "熊本市西区長" in text
    assert "200,000円" in text  # decided
    assert "510,000円（経費の合計550,000円）" in text
    assert "実績に基づく算定額170,000円" in text
    assert "金170,000円" in text
    assert "少ない方の額" in text
    # The expense lines, the ineligible one marked.
    assert "飲食費飲食費の内訳対象外40,000" in text
    assert "うち補助対象経費510,000" in text


def test_the_decided_amount_is_confirmed_when_the_actual_expenses_give_more(
    decided_june_1, applicant, staff, lines
):
    actions.report_results(
        actor=applicant, application=decided_june_1, expenses=lines(("印刷製本費", 900_000)), now=DECEMBER_20
    )
    application = actions.confirm_amount(actor=staff, application=decided_june_1, now=JANUARY_10)
    text = pdf_text(documents.render_confirmation_notice(application))
    # 900,000 × 1/3 = 300,000, capped at 200,000; the decided 200,000 is the smaller.
    assert "実績に基づく算定額200,000円" in text
    assert "金200,000円" in text


@pytest.mark.parametrize("kind", ["decision", "confirmation"])
def test_no_notice_before_its_step(submitted, kind):
    with pytest.raises(documents.NoticeUnavailable) as refused:
        documents.notice(submitted, kind)
    assert "「申請済み」のため" in refused.value.messages[0]


def test_no_confirmation_notice_for_a_decided_application_and_none_after_withdrawal(decided, applicant):
    with pytest.raises(documents.NoticeUnavailable, match="交付額が確定していない申請"):
        documents.notice(decided, "confirmation")
    assert documents.notice(decided, "decision").content.startswith(b"%PDF-")
    actions.withdraw(actor=applicant, application=decided, reason="会場が使えなくなったため")
    decided.refresh_from_db()
    with pytest.raises(documents.NoticeUnavailable, match="「取下げ」のため"):
        documents.notice(decided, "decision")


def test_an_unknown_kind_is_refused(decided):
    with pytest.raises(documents.NoticeUnavailable, match="通知書の種類"):
        documents.notice(decided, "receipt")


def test_the_notice_has_a_japanese_filename_and_its_number(confirmed):
    notice = documents.notice(confirmed, "confirmation")
    assert notice.filename == f"交付額確定通知書_{confirmed.number}.pdf"
    assert notice.number == f"西区補確第4-{confirmed.pk}号"
    assert notice.content_type == "application/pdf"


def test_text_that_looks_like_markup_is_printed_as_typed(programme, small, group, applicant, staff, lines):
    draft = actions.save_draft(
        actor=applicant,
        programme=programme,
        track=small,
        group=group,
        title="<b>夏祭り</b> & 盆踊り",
        expenses=lines(("謝礼金", 300_000)),
    )
    actions.submit(actor=applicant, application=draft, now=IN_WINDOW)
    application = actions.decide(
        actor=staff, application=draft, amount_yen=100_000, conditions="収支を<報告>すること"
    )
    text = pdf_text(documents.render_decision_notice(application))
    assert "<b>夏祭り</b>&盆踊り" in text
    assert "収支を<報告>すること" in text
    assert "金100,000円" in text
