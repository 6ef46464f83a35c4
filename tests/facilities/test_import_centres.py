"""Importing centres from the 公共施設一覧 CSV: either naming, every column, all or nothing, idempotent."""

import datetime
from decimal import Decimal

import pytest
from tests.facilities.centre_csv import centre_row, refusal, write_centres

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.facilities.importers import STANDARD_COLUMNS, import_path
from machi.facilities.models import Centre, FeeExemption
from machi.ledger.models import Project, Ward

pytestmark = pytest.mark.django_db


@pytest.fixture
def wards(chuo, higashi):
    """中央区 and 東区 as the city registers them: with the city's name and code."""
    for ward in (chuo, higashi):
        ward.city_name, ward.city_code = "熊本市", "431001"
        ward.save()
    return chuo, higashi


EVERY_COLUMN = centre_row(
    NO="7",
    名称="白川地域コミュニティセンター",
    名称_カナ="シラカワチイキコミュニティセンター",
    名称_通称="白川コミセン",
    住所="熊本県熊本市中央区白川1丁目1-1",
    方書="2階",
    緯度="32.7921",
    経度="130.7135",
    電話番号="０９６－０００－０００１",
    内線番号="12",
    法人番号="7000012050002",
    団体名="白川校区自治協議会",
    利用可能曜日="月～金",
    開始時間="9:30",
    終了時間="２０時",
    利用可能日時特記事項="年末年始（12月29日～1月3日）休館、祝日休館",
    説明="会議室と和室があります。\n駐車場は10台。",
    バリアフリー情報="スロープあり",
    URL="https://example.jp/shirakawa",
    備考="-（特になし）",
    校区="白川",
    減免率_自治会="100",
    減免率_NPO="５０％",
)


def test_a_standard_row_fills_every_field_of_a_new_centre(tmp_path, wards):
    report = import_path(write_centres(tmp_path, [EVERY_COLUMN]), actor=SYSTEM)

    assert (report.centres.created, report.centres.updated, report.centres.unchanged) == (1, 0, 0)
    centre = Centre.objects.get()
    assert centre.ward == wards[0]
    assert (centre.name, centre.name_kana, centre.name_common) == (
        "白川地域コミュニティセンター",
        "シラカワチイキコミュニティセンター",
        "白川コミセン",
    )
    assert (centre.address, centre.address_extra) == ("熊本県熊本市中央区白川1丁目1-1", "2階")
    assert (centre.latitude, centre.longitude) == (Decimal("32.792100"), Decimal("130.713500"))
    assert (centre.phone, centre.extension, centre.corporate_number) == (
        "096-000-0001",
        "12",
        "7000012050002",
    )
    assert centre.operator == "白川校区自治協議会"
    assert centre.open_weekdays == "01234"
    assert (centre.opens_at, centre.closes_at) == (datetime.time(9, 30), datetime.time(20, 0))
    assert centre.closed_year_end and centre.closed_on_holidays
    assert centre.description == "会議室と和室があります。\n駐車場は10台。"
    assert (centre.barrier_free, centre.url, centre.notes) == (
        "スロープあり",
        "https://example.jp/shirakawa",
        "-（特になし）",
    )
    assert centre.school_district == "白川"
    assert dict(centre.exemptions.values_list("group_kind", "percent")) == {"jichikai": 100, "npo": 50}
    assert [b.code for b in centre.blocks.all()] == [
        "morning",
        "afternoon",
        "evening",
    ]  # save_centre's defaults
    assert AuditEntry.objects.filter(action="facilities.save_centre", object_id=str(centre.pk)).exists()


def test_the_current_standard_s_labels_are_read_as_the_same_columns(tmp_path, wards):
    header = [
        "全国地方公共団体コード",
        "ID",
        "地方公共団体名",
        "名称",
        "名称_英字",
        "所在地_連結表記",
        "建物名等(方書)",
    ]
    row = [
        "431028",
        "1",
        "熊本県熊本市東区",
        "健軍地域コミュニティセンター",
        "Kengun",
        "熊本市東区健軍1丁目",
        "1階",
    ]
    report = import_path(write_centres(tmp_path, [row], header=header), actor=SYSTEM)

    centre = Centre.objects.get()
    assert (centre.ward, centre.address, centre.address_extra) == (wards[1], "熊本市東区健軍1丁目", "1階")
    assert any("取り込まない列: 名称_英字" in w for w in report.warnings)


def test_the_ward_is_found_by_its_name_when_the_code_is_the_city_s(tmp_path, wards):
    row = centre_row(都道府県コード又は市区町村コード="431001", 市区町村名="熊本市東区")
    import_path(write_centres(tmp_path, [row]), actor=SYSTEM)
    assert Centre.objects.get().ward == wards[1]


def test_importing_the_same_file_again_changes_nothing(tmp_path, wards):
    path = write_centres(tmp_path, [EVERY_COLUMN, centre_row(名称="碩台地域コミュニティセンター")])
    import_path(path, actor=SYSTEM)
    entries = AuditEntry.objects.count()
    snapshot = list(Centre.objects.order_by("pk").values())

    again = import_path(path, actor=SYSTEM)

    assert (again.centres.created, again.centres.updated, again.centres.unchanged) == (0, 0, 2)
    assert not again.changed_anything
    assert list(Centre.objects.order_by("pk").values()) == snapshot
    assert AuditEntry.objects.count() == entries


def test_a_centre_is_matched_by_its_ward_and_normalised_name(tmp_path, wards, centre):
    # The fixture's centre is 白川地域コミュニティセンター in 中央区; the file spells it with a space
    # and full-width letters; the same name in 東区 is another centre.
    rows = [
        centre_row(名称="白川 地域コミュニティセンター", 電話番号="096-111-2222"),
        centre_row(都道府県コード又は市区町村コード="431028", 市区町村名="熊本市東区"),
    ]
    report = import_path(write_centres(tmp_path, rows), actor=SYSTEM)

    assert (report.centres.created, report.centres.updated) == (1, 1)
    centre.refresh_from_db()
    assert (centre.name, centre.phone) == ("白川 地域コミュニティセンター", "096-111-2222")
    assert Centre.objects.filter(ward=wards[1]).count() == 1
    assert any(line.startswith("更新: 中央区") and "電話番号" in line for line in report.lines)


def test_a_column_the_file_lacks_leaves_the_centre_as_it_is(tmp_path, wards, centre):
    centre.school_district, centre.url = "白川", "https://example.jp/"
    centre.save()
    FeeExemption.objects.create(centre=centre, group_kind="npo", percent=50)
    header = ["全国地方公共団体コード", "名称", "電話番号"]
    import_path(
        write_centres(tmp_path, [["431010", centre.name, "096-999-0000"]], header=header), actor=SYSTEM
    )

    centre.refresh_from_db()
    assert (centre.phone, centre.school_district, centre.url) == (
        "096-999-0000",
        "白川",
        "https://example.jp/",
    )
    assert centre.exemptions.get().percent == 50


def test_an_empty_exemption_cell_removes_the_exemption(tmp_path, wards, centre):
    FeeExemption.objects.create(centre=centre, group_kind="npo", percent=50)
    import_path(write_centres(tmp_path, [centre_row(名称=centre.name, 減免率_NPO="")]), actor=SYSTEM)
    assert not centre.exemptions.exists()
    assert AuditEntry.objects.filter(action="facilities.delete_feeexemption").exists()


def test_every_problem_is_reported_at_once_with_its_row_and_column_and_nothing_is_written(tmp_path, wards):
    rows = [
        centre_row(名称="一", 都道府県コード又は市区町村コード="431011", 市区町村名=""),
        centre_row(名称="二", 緯度="95", 経度="130.7"),
        centre_row(名称="三", 開始時間="25:00", 終了時間="9時60分"),
        centre_row(名称="四", 開始時間="18:00", 終了時間="09:00"),
        centre_row(名称="五", 利用可能曜日="月〜祭"),
        centre_row(名称='=HYPERLINK("https://evil.example/","開く")'),
        centre_row(名称="七", 都道府県コード又は市区町村コード="", 市区町村名="熊本市北区"),
        centre_row(名称="八", URL="javascript:alert(1)", 電話番号="call me"),
        centre_row(名称="九", 減免率_NPO="150", 法人番号="1234567890123"),
        centre_row(名称="十", 緯度="32.8"),
        centre_row(名称="十一", 備考="改行でない制御文字\x07"),
    ]
    problems = refusal(write_centres(tmp_path, rows))

    expected = [
        "centres.csv 2行目 「都道府県コード又は市区町村コード」列: 団体コード 431011 の検査数字が誤っています（正しくは 431010）",
        "centres.csv 3行目 「緯度」列: 緯度は -90〜90 の範囲です: '95'",
        "centres.csv 4行目 「開始時間」列: 時刻が正しくありません（0:00〜23:59）: '25:00'",
        "centres.csv 4行目 「終了時間」列: 時刻が正しくありません（0:00〜23:59）: '9時60分'",
        "centres.csv 5行目 「終了時間」列: 終了時間（09:00）が開始時間（18:00）より前です",
        "centres.csv 6行目 「利用可能曜日」列: 利用可能曜日を読み取れません（例: 月火水木金土日、月～金）: '月〜祭'",
        "centres.csv 7行目 「名称」列: 数式は読み込めません（先頭が = + @ の値）",
        "centres.csv 9行目 「電話番号」列: 電話番号は数字とハイフン（20文字まで）で入力してください: 'call me'",
        "centres.csv 9行目 「URL」列: URLは http:// または https:// で始まるアドレスです: 'javascript:alert(1)'",
        "centres.csv 10行目 「法人番号」列: 法人番号 1234567890123 の検査数字が誤っています",
        "centres.csv 10行目 「減免率_NPO」列: 減免率は1〜100（%）の整数か空欄です: '150'",
        "centres.csv 11行目 「経度」列: 緯度と経度は両方入力するか、両方空欄にしてください",
        "centres.csv 12行目 「備考」列: 制御文字が含まれています",
        "centres.csv 8行目 「市区町村名」列: 区「熊本市北区」が見つかりません（登録済みの区: 中央区、東区）",
    ]
    assert problems == expected
    assert not Centre.objects.exists() and not AuditEntry.objects.exists()


def test_a_problem_in_the_last_row_rolls_back_the_rows_before_it(tmp_path, kumamoto, wards):
    rows = [centre_row(名称=f"センター{n}") for n in range(5)]
    rows.append(centre_row(名称="最後のセンター", 事業年度="2022", 事業No="99"))
    assert refusal(write_centres(tmp_path, rows)) == [
        "centres.csv 7行目 「事業No」列: 台帳に令和4年度 中央区 No.99 の事業がありません"
    ]
    assert not Centre.objects.exists()


def test_the_same_centre_twice_in_a_file_is_a_problem(tmp_path, wards):
    rows = [centre_row(), centre_row(名称="白川地域コミュニティセンター ")]
    assert refusal(write_centres(tmp_path, rows)) == [
        "centres.csv 3行目 「名称」列: 同じセンターが2行目にもあります"
    ]


def test_the_ledger_project_is_read_from_the_extra_columns(tmp_path, kumamoto):
    row = centre_row(事業年度="令和4年度", 事業No="1")
    import_path(write_centres(tmp_path, [row]), actor=SYSTEM)
    project = Centre.objects.get().project
    assert (project.programme.ward.name, project.programme.fiscal_year, project.no) == ("中央区", 2022, 1)

    # Empty project cells take the centre out of the project; a file without the columns leaves it.
    import_path(write_centres(tmp_path, [centre_row()], header=STANDARD_COLUMNS), actor=SYSTEM)
    assert Centre.objects.get().project == project
    import_path(write_centres(tmp_path, [centre_row(事業年度="", 事業No="")]), actor=SYSTEM)
    assert Centre.objects.get().project is None


def test_a_project_is_looked_up_in_the_centre_s_own_ward(tmp_path, kumamoto):
    higashi_no_1 = Project.objects.get(programme__ward__name="東区", programme__fiscal_year=2022, no=1)
    import_path(write_centres(tmp_path, [centre_row(事業年度="2022", 事業No="1")]), actor=SYSTEM)
    assert Centre.objects.get().project != higashi_no_1
    assert Centre.objects.get().project.programme.ward.name == "中央区"


def test_closure_rules_read_from_words_and_an_unknown_rule_is_named_in_a_warning(tmp_path, wards):
    rows = [
        centre_row(名称="一", 利用可能日時特記事項="年末年始も開館、祝日も開館"),
        centre_row(名称="二", 利用可能日時特記事項="祝日は休館。第3月曜日休館"),
        centre_row(名称="三", 利用可能日時特記事項=""),
    ]
    report = import_path(write_centres(tmp_path, rows), actor=SYSTEM)

    rules = dict(Centre.objects.values_list("name", "closed_year_end"))
    holidays = dict(Centre.objects.values_list("name", "closed_on_holidays"))
    assert rules == {"一": False, "二": True, "三": True}
    assert holidays == {"一": False, "二": True, "三": False}
    (warning,) = [w for w in report.warnings if "第3月曜日休館" in w]
    assert warning.startswith("centres.csv 3行目") and "臨時休館日として登録してください" in warning


def test_a_dry_run_reports_what_would_change_and_writes_nothing(tmp_path, wards):
    report = import_path(write_centres(tmp_path, [EVERY_COLUMN]), actor=SYSTEM, dry_run=True)
    assert report.dry_run and report.centres.created == 1
    assert report.lines == ["新規: 中央区 白川地域コミュニティセンター"]
    assert not Centre.objects.exists() and not AuditEntry.objects.exists()


def test_ward_staff_import_only_their_own_ward_s_centres(tmp_path, wards, ward_staff):
    staff = ward_staff("chuo-staff", wards[0])
    rows = [centre_row(), centre_row(都道府県コード又は市区町村コード="431028", 市区町村名="熊本市東区")]
    assert refusal(write_centres(tmp_path, rows), actor=staff) == [
        "centres.csv 3行目 「市区町村名」列: 東区のセンターを変更する権限がありません"
    ]
    assert not Centre.objects.exists()
    import_path(write_centres(tmp_path, rows[:1]), actor=staff)
    assert Centre.objects.get().ward == wards[0]


def test_a_resident_cannot_import_at_all(tmp_path, wards, resident):
    assert refusal(write_centres(tmp_path, [centre_row()]), actor=resident) == [
        "centres.csv 2行目 「市区町村名」列: 中央区のセンターを変更する権限がありません"
    ]
    assert not Centre.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("月火水木金土日", "0123456"),
        ("月～金", "01234"),
        ("月〜金", "01234"),
        ("月-金", "01234"),
        ("月曜日～金曜日", "01234"),
        ("月・水・金", "024"),
        ("土日祝", "56"),
        ("平日", "01234"),
        ("毎日", "0123456"),
        ("金～月", "0456"),
        ("", "0123456"),
    ],
)
def test_open_weekdays_as_people_write_them(typed, stored):
    from machi.facilities.importers import format_weekdays, parse_weekdays

    assert parse_weekdays(typed) == stored
    assert parse_weekdays(format_weekdays(stored)) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("9:00", (9, 0)),
        ("09:30", (9, 30)),
        ("９：３０", (9, 30)),
        ("9時", (9, 0)),
        ("21時15分", (21, 15)),
        ("17:00:00", (17, 0)),
    ],
)
def test_times_as_people_write_them(typed, stored):
    from machi.facilities.importers import parse_time

    assert parse_time(typed, datetime.time(0, 0)) == datetime.time(*stored)


def test_a_file_without_the_name_column_or_any_ward_column_is_refused(tmp_path, wards):
    assert refusal(write_centres(tmp_path, [["431010", "x"]], header=["全国地方公共団体コード", "住所"])) == [
        "centres.csv 1行目 「名称」列: 必須の列がありません"
    ]
    assert refusal(write_centres(tmp_path, [["x"]], header=["名称"])) == [
        "centres.csv 1行目 「都道府県コード又は市区町村コード」列: 区を示す列（団体コードまたは市区町村名）がありません"
    ]


def test_the_prefecture_must_agree_with_the_ward(tmp_path, wards):
    assert refusal(write_centres(tmp_path, [centre_row(都道府県名="福岡県")])) == [
        "centres.csv 2行目 「都道府県名」列: 中央区は熊本県の区です（「福岡県」）"
    ]


def test_a_code_and_a_name_that_disagree_are_refused(tmp_path, wards):
    assert refusal(write_centres(tmp_path, [centre_row(市区町村名="熊本市東区")])) == [
        "centres.csv 2行目 「市区町村名」列: 「熊本市東区」が団体コード 431010（中央区）と食い違っています"
    ]


def test_an_unregistered_ward_code_is_named(tmp_path, wards):
    Ward.objects.filter(code="431028").delete()
    row = centre_row(都道府県コード又は市区町村コード="431028", 市区町村名="")
    assert refusal(write_centres(tmp_path, [row])) == [
        "centres.csv 2行目 「都道府県コード又は市区町村コード」列: 団体コード 431028 の区が登録されていません（登録済みの区: 中央区）"
    ]
