"""Hostile and broken centre files: refused with a clear reason before anything is written."""

from pathlib import Path

import pytest
from tests.facilities.centre_csv import centre_row, csv_bytes, refusal, write_centres

from machi.accounts.actors import SYSTEM
from machi.facilities import importers
from machi.facilities.importers import CENTRE_COLUMNS, import_path
from machi.facilities.models import Centre

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def wards(chuo):
    chuo.city_name = "熊本市"
    chuo.save()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, settings, monkeypatch):
    path = write_centres(tmp_path, [centre_row(説明="あ" * 500)])
    settings.MACHI_MAX_IMPORT_BYTES = 1000

    def no_reading(self):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    (problem,) = refusal(path)
    assert problem.startswith("centres.csv: ファイルが大きすぎます（") and "上限 1,000 バイト" in problem


def test_binary_junk_is_refused(tmp_path):
    path = tmp_path / "centres.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert refusal(path) == ["centres.csv: テキストのCSVではありません（バイナリデータです）"]


def test_text_in_an_unknown_encoding_is_refused(tmp_path):
    path = tmp_path / "centres.csv"
    # Not UTF-8 (a lone continuation byte) and not CP932 (a lead byte followed by a space).
    path.write_bytes("名称,市区町村名\n".encode() + b"A,\x81 \n")
    assert refusal(path) == [
        "centres.csv: 文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）"
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_utf8_with_or_without_bom_and_shift_jis_read_the_same(tmp_path, encoding):
    path = write_centres(
        tmp_path,
        [centre_row(名称="髙橋・﨑山地域コミュニティセンター", 住所="熊本市中央区①")],
        encoding=encoding,
    )
    import_path(path, actor=SYSTEM)
    centre = Centre.objects.get()
    assert (centre.name, centre.address) == ("髙橋・﨑山地域コミュニティセンター", "熊本市中央区①")


def test_too_many_columns_are_refused(tmp_path):
    header = [*CENTRE_COLUMNS, *(f"列{n}" for n in range(60))]
    assert refusal(write_centres(tmp_path, [centre_row()], header=header)) == [
        f"centres.csv 1行目: 列が多すぎます（{len(header)}列、上限 80列）"
    ]


def test_too_many_rows_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "MAX_ROWS", 3)
    rows = [centre_row(名称=f"センター{n}") for n in range(4)]
    assert refusal(write_centres(tmp_path, rows)) == ["centres.csv 5行目: 行が多すぎます（上限 3行）"]
    assert not Centre.objects.exists()


def test_a_row_longer_than_the_header_a_repeated_column_and_an_empty_file(tmp_path):
    path = tmp_path / "centres.csv"
    path.write_bytes("名称,市区町村名\nA,熊本市中央区,余分\n".encode())
    assert refusal(path) == ["centres.csv 2行目: 見出しより列が多い行です"]
    path.write_bytes("名称,住所,所在地_連結表記,市区町村名\nA,x,y,熊本市中央区\n".encode())
    assert refusal(path) == ["centres.csv 1行目 「住所」列: 同じ列が2回あります"]
    path.write_bytes(b"")
    assert refusal(path) == ["centres.csv: 空のファイルです"]


def test_a_cell_beyond_the_csv_field_limit_is_refused_as_unreadable(tmp_path):
    path = tmp_path / "centres.csv"
    path.write_bytes(('名称,市区町村名,説明\nA,熊本市中央区,"' + "あ" * 100_001 + '"\n').encode())
    (problem,) = refusal(path)
    assert problem.startswith("centres.csv 2行目: CSVとして読めません")


@pytest.mark.parametrize("cell", ["=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", '=HYPERLINK("http://x")'])
def test_a_formula_in_any_text_column_is_refused_and_never_evaluated(tmp_path, cell):
    problems = refusal(write_centres(tmp_path, [centre_row(説明=cell, 名称_通称=cell)]))
    assert problems == [
        "centres.csv 2行目 「名称_通称」列: 数式は読み込めません（先頭が = + @ の値）",
        "centres.csv 2行目 「説明」列: 数式は読み込めません（先頭が = + @ の値）",
    ]
    assert not Centre.objects.exists()


def test_the_exporter_s_escaped_text_is_read_back_as_typed(tmp_path):
    import_path(
        write_centres(tmp_path, [centre_row(備考="'=1+1 は数式ではありません", 説明="-1℃の日は暖房")]),
        actor=SYSTEM,
    )
    centre = Centre.objects.get()
    assert (centre.notes, centre.description) == ("=1+1 は数式ではありません", "-1℃の日は暖房")


def test_a_phone_number_in_international_form_is_not_mistaken_for_a_formula(tmp_path):
    import_path(write_centres(tmp_path, [centre_row(電話番号="+81-96-000-0001")]), actor=SYSTEM)
    assert Centre.objects.get().phone == "+81-96-000-0001"


def test_overlong_text_is_refused_with_its_length(tmp_path):
    assert refusal(write_centres(tmp_path, [centre_row(名称="あ" * 201)])) == [
        "centres.csv 2行目 「名称」列: 200文字を超えています（201文字）"
    ]


def test_nothing_but_a_header_imports_nothing(tmp_path):
    path = tmp_path / "centres.csv"
    path.write_bytes(csv_bytes(CENTRE_COLUMNS, []))
    report = import_path(path, actor=SYSTEM)
    assert (report.centres.created, report.centres.unchanged) == (0, 0)
