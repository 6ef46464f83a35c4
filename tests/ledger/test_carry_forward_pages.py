"""Ward staff carry a year forward from their own pages: the ward's years → the form → review → confirm."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from machi.audit.models import AuditEntry
from machi.ledger.models import FigureChange, Programme, Project, Ward


@pytest.fixture
def chuo(kumamoto):
    return Ward.objects.get(name="中央区")


@pytest.fixture
def staff(chuo, ward_staff, client):
    user = ward_staff("tanaka", chuo, display_name="田中")
    client.force_login(user)
    return user


def carry_url(ward, year=2022):
    return reverse("ledger:carry_forward", kwargs={"ward_code": ward.code, "fiscal_year": year})


def test_the_wards_page_lists_its_years_with_the_carry_forward_action(chuo, staff, client):
    page = client.get(reverse("ledger:manage_ward", kwargs={"ward_code": chuo.code}))

    assert page.status_code == 200
    text = page.content.decode()
    assert "中央区の年度計画" in text and "令和4年度" in text
    assert carry_url(chuo) in text and "次年度へ引き継ぐ" in text
    # One ward to look after: the list of wards goes straight to it.
    assert client.get(reverse("ledger:manage_wards")).url == reverse(
        "ledger:manage_ward", kwargs={"ward_code": chuo.code}
    )


def test_the_form_suggests_last_years_revised_figure_beside_an_empty_field(chuo, staff, client):
    page = client.get(carry_url(chuo))

    text = page.content.decode()
    assert "令和4年度の2月補正後: 1,800千円" in text  # 中央区 No.1
    assert 'name="amount_1" value=' not in text  # suggested, never filled in
    assert 'name="to_year" value="2023"' in text


def test_review_shows_what_will_be_created_and_writes_nothing_then_confirm_writes_it(chuo, staff, client):
    typed = {"to_year": "令和5年度", "step": "review", "amount_1": "1,500", "amount_14": "１７２０"}

    review = client.post(carry_url(chuo), typed)

    assert review.status_code == 200
    text = review.content.decode()
    assert "引き継ぐ内容の確認" in text and "まだ作成していません" in text
    assert "デジタル化実証実験事業" in text and "1,500" in text
    assert not Programme.objects.filter(fiscal_year=2023).exists()
    assert not AuditEntry.objects.filter(action="ledger.carry_forward").exists()
    assert 'name="amount_1" value="1500"' in text

    confirmed = client.post(
        carry_url(chuo), {"to_year": "2023", "amount_1": "1500", "amount_14": "1720", "step": "confirm"}
    )

    assert confirmed.status_code == 302
    carried = {p.no: p for p in Project.objects.filter(programme__fiscal_year=2023)}
    assert len(carried) == 15
    assert (carried[1].initial_yen, carried[14].initial_yen, carried[2].initial_yen) == (
        1_500_000,
        1_720_000,
        None,
    )
    change = FigureChange.objects.get(project=carried[1])
    assert (change.changed_by, change.reason) == (staff, "当初予算の入力")
    followed = client.get(confirmed.url)
    assert "令和5年度 中央区の年度計画を作成しました（事業 15件）" in followed.content.decode()


def test_an_uploaded_sheet_fills_the_review_and_names_itself_in_the_history(chuo, staff, client):
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(["No.", "事業名", "当初予算"])
    writer.writerow([1, "地域コミュニティセンターのデジタル化実証実験事業", "2,000"])
    upload = SimpleUploadedFile("r5.csv", stream.getvalue().encode("utf-8"), content_type="text/csv")

    review = client.post(carry_url(chuo), {"to_year": "2023", "step": "review", "sheet": upload})

    text = review.content.decode()
    assert "2,000" in text and 'name="sheet_name" value="r5.csv"' in text
    client.post(
        carry_url(chuo), {"to_year": "2023", "amount_1": "2000", "sheet_name": "r5.csv", "step": "confirm"}
    )
    change = FigureChange.objects.get(project__programme__fiscal_year=2023)
    assert (change.new_yen, change.reason) == (2_000_000, "当初予算の表: r5.csv")


@pytest.mark.parametrize(
    "posted, message",
    [
        ({"to_year": "2022"}, "令和4年度より後の年度にしてください"),
        ({"to_year": "来年"}, "年度"),
        ({"to_year": "2023", "amount_1": "△100"}, "当初予算は0以上にしてください"),
        ({"to_year": "2023", "amount_1": "千円くらい"}, "金額を読み取れません"),
    ],
)
def test_bad_input_is_answered_in_japanese_and_nothing_is_written(chuo, staff, client, posted, message):
    for step in ("review", "confirm"):
        page = client.post(carry_url(chuo), {**posted, "step": step})
        assert page.status_code == 200
        assert message in page.content.decode()
    assert not Programme.objects.filter(fiscal_year=2023).exists()
    assert not AuditEntry.objects.filter(action="ledger.carry_forward").exists()


def test_a_sheet_with_a_wrong_number_is_refused_on_the_form(chuo, staff, client):
    upload = SimpleUploadedFile(
        "r5.csv", "No.,事業名,当初予算\n99,なにか,100\n".encode(), content_type="text/csv"
    )

    page = client.post(carry_url(chuo), {"to_year": "2023", "step": "review", "sheet": upload})

    assert "No.99 の事業は引き継ぐ年度計画にありません" in page.content.decode()
    assert not Programme.objects.filter(fiscal_year=2023).exists()


def test_a_year_already_planned_is_refused_with_its_reason(chuo, staff, client):
    client.post(carry_url(chuo), {"to_year": "2023", "step": "confirm"})

    again = client.post(carry_url(chuo), {"to_year": "2023", "step": "review"})

    assert "令和5年度 中央区の年度計画にはすでに事業があります" in again.content.decode()


def test_staff_of_another_ward_and_residents_get_the_403_page(chuo, ward_staff, client, django_user_model):
    client.force_login(ward_staff("higashi", Ward.objects.get(name="東区")))
    for url in (reverse("ledger:manage_ward", kwargs={"ward_code": chuo.code}), carry_url(chuo)):
        assert client.get(url).status_code == 403
    refused = client.post(carry_url(chuo), {"to_year": "2023", "step": "confirm"})
    assert refused.status_code == 403 and "中央区の台帳を扱う権限がありません" in refused.content.decode()

    client.force_login(django_user_model.objects.create_user("resident"))
    assert client.get(reverse("ledger:manage_wards")).status_code == 403
    assert not Programme.objects.filter(fiscal_year=2023).exists()


def test_people_not_logged_in_are_sent_to_log_in(chuo, client):
    assert reverse("accounts:login") in client.get(carry_url(chuo)).url
