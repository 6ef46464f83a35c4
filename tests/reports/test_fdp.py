"""Open data: the year's ward budgets as a Fiscal Data Package (Kumamoto FY2022)."""

import copy
import csv
import io
import json
import zipfile
from collections import defaultdict
from io import StringIO

import jsonschema
import pytest
from django.core.management import CommandError, call_command
from django.http import Http404
from django.test import RequestFactory
from frictionless import validate

from machi.ledger.models import Project
from machi.reports import downloads
from machi.reports.fdp import MODEL_SCHEMA, build_fdp, model_problems, write_fdp


@pytest.fixture
def package_dir(kumamoto, tmp_path):
    write_fdp(tmp_path / "fdp", fiscal_year=2022)
    return tmp_path / "fdp"


def rows(path):
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def schema_errors(descriptor) -> list[str]:
    validator = jsonschema.Draft202012Validator(json.loads(MODEL_SCHEMA.read_text(encoding="utf-8")))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(descriptor)]


def test_frictionless_accepts_the_package(package_dir):
    report = validate(str(package_dir / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    assert report.stats["tasks"] == 2


def test_the_model_follows_the_fiscal_data_package_rules(package_dir):
    descriptor = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))
    assert schema_errors(descriptor) == []
    assert model_problems(descriptor) == []
    measures = descriptor["model"]["measures"]
    assert {name: m["phase"] for name, m in measures.items()} == {
        "initial": "approved",
        "revised": "adjusted",
        "settled": "executed",
    }
    assert {m["currency"] for m in measures.values()} == {"JPY"}
    assert all(m.get("factor", 1) == 1 for m in measures.values())
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert "熊本市令和4年度" in descriptor["title"] and "FY2022" in descriptor["title"]
    assert descriptor["fiscalPeriod"] == {"start": "2022-04-01", "end": "2023-03-31"}


def test_it_catches_a_measure_on_a_missing_column_and_a_bad_phase(package_dir):
    descriptor = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))
    broken = copy.deepcopy(descriptor)
    broken["model"]["measures"]["settled"]["source"] = "settled_yen"
    broken["model"]["measures"]["revised"]["phase"] = "revised"
    problems = model_problems(broken)
    assert any("settled_yen" in p for p in problems)
    assert any("phase" in p and "revised" in p for p in problems)
    assert any("phase" in e for e in schema_errors(broken))


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda m: m["measures"]["initial"].update(currency="USD"), "currency"),
        (lambda m: m["measures"]["initial"].update(direction="spending"), "direction"),
        (lambda m: m["dimensions"]["ward"]["attributes"]["name"].update(source="区名"), "区名"),
        (lambda m: m["dimensions"]["ward"].update(primaryKey="id"), "primaryKey"),
        (lambda m: m["dimensions"]["project"]["attributes"]["name"].update(labelfor="code"), "labelfor"),
        (lambda m: m["dimensions"]["pillar"]["attributes"]["code"].update(parent="ward"), "parent"),
        (lambda m: m["dimensions"]["project"].update(dimensionType="programme"), "dimensionType"),
        (lambda m: m["dimensions"]["theme"]["attributes"]["code"].update(resource="budget"), "theme"),
        (lambda m: m["dimensions"]["theme"]["attributes"]["code"].update(resource="tags"), "tags"),
    ],
)
def test_it_catches_each_broken_reference(package_dir, break_it, expected):
    descriptor = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))
    break_it(descriptor["model"])
    problems = model_problems(descriptor)
    assert problems and any(expected in p for p in problems), problems


def test_the_schema_refuses_a_classification_type_on_another_dimension_and_a_source_less_attribute(
    package_dir,
):
    descriptor = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["model"]["dimensions"]["ward"]["classificationType"] = "administrative"
    del descriptor["model"]["dimensions"]["project"]["attributes"]["no"]["source"]
    errors = schema_errors(descriptor)
    assert any("dimensions/ward" in e for e in errors)
    assert any("dimensions/project/attributes/no" in e for e in errors)


def test_the_totals_per_ward_equal_the_ledger(package_dir):
    budget = rows(package_dir / "budget.csv")
    assert len(budget) == 73 == Project.objects.for_year(2022).count()
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in budget:
        for stage in ("initial", "revised", "settled"):
            if row[stage]:
                assert row[stage].isdigit(), row[stage]  # plain integer yen: no grouping, no 千円
                sums[row["ward"]][stage] += int(row[stage])
    assert dict(sums["中央区"]) == {"initial": 19_000_000, "revised": 17_620_000, "settled": 16_701_000}
    for ward, found in sums.items():
        totals = Project.objects.for_year(2022).for_ward(ward).totals()
        assert dict(found) == {
            "initial": totals.initial_yen,
            "revised": totals.revised_yen,
            "settled": totals.settled_yen,
        }, ward
    assert {row["ward_code"] for row in budget} == {"431010", "431028", "431036", "431044", "431052"}


def test_not_budgeted_is_empty_never_zero(package_dir):
    budget = {(r["ward"], r["project_no"]): r for r in rows(package_dir / "budget.csv")}
    no12 = budget[("中央区", "12")]
    assert no12["project"] == "企業資源活用によるまちづくり事業"
    assert (no12["initial"], no12["revised"], no12["settled"]) == ("", "", "")
    assert no12["project_id"] == "2022-431010-012"
    assert budget[("中央区", "1")]["settled"] == "1798000"


def test_the_themes_are_one_row_per_project_and_theme(package_dir):
    budget = {r["project_id"]: r for r in rows(package_dir / "budget.csv")}
    themes = rows(package_dir / "themes.csv")
    assert themes
    by_project = defaultdict(list)
    for row in themes:
        assert row["project_id"] in budget
        by_project[row["project_id"]].append(row["theme"])
    for project_id, row in budget.items():
        assert row["themes"] == ";".join(by_project.get(project_id, []))
    assert by_project["2022-431010-001"] == ["ICT"]
    assert by_project["2022-431010-002"] == ["子育て", "魅力発信"]


def test_the_package_is_built_in_a_fixed_number_of_queries(kumamoto, django_assert_max_num_queries):
    with django_assert_max_num_queries(1 + 5 * 2):
        package = build_fdp(fiscal_year=2022)
    assert package.project_count == 73


def test_the_command_writes_the_files(kumamoto, tmp_path):
    out = StringIO()
    target = tmp_path / "open-data" / "2022"
    call_command("report", "export-fdp", "--year", "令和4年度", "-o", str(target), stdout=out)
    assert sorted(p.name for p in target.iterdir()) == ["budget.csv", "datapackage.json", "themes.csv"]
    assert "事業 73 件" in out.getvalue() and str(target / "budget.csv") in out.getvalue()
    assert validate(str(target / "datapackage.json")).valid


def test_the_command_refuses_a_year_without_a_ledger(kumamoto, tmp_path):
    with pytest.raises(CommandError, match="令和5年度 の台帳がありません"):
        call_command("report", "export-fdp", "--year", "2023", "-o", str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()
    with pytest.raises(CommandError, match="年度を読み取れません"):
        call_command("report", "export-fdp", "--year", "来年", "-o", str(tmp_path / "x"))


def test_the_download_is_a_zip_of_the_package(kumamoto, tmp_path):
    response = downloads.fdp_zip(RequestFactory().get("/reports/2022/fdp.zip"), 2022)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="machi-fdp-2022.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == ["budget.csv", "datapackage.json", "themes.csv"]
        archive.extractall(tmp_path / "unzipped")
    assert validate(str(tmp_path / "unzipped" / "datapackage.json")).valid


def test_the_download_of_a_year_without_a_ledger_is_not_found(kumamoto):
    with pytest.raises(Http404):
        downloads.fdp_zip(RequestFactory().get("/reports/2030/fdp.zip"), 2030)


def test_frictionless_would_refuse_a_grouped_amount_a_negative_one_and_an_orphan_theme(package_dir):
    budget = package_dir / "budget.csv"
    text = budget.read_text(encoding="utf-8")
    budget.write_text(text.replace(",1000000,1800000,1798000", ',"1,000,000",-1,1798000'), encoding="utf-8")
    with (package_dir / "themes.csv").open("a", encoding="utf-8", newline="") as stream:
        stream.write("2022-431010-099,ICT,ICT\r\n")
    report = validate(str(package_dir / "datapackage.json"))
    assert not report.valid
    assert {error_type for error_type, *_ in report.flatten(["type"])} >= {
        "type-error",
        "constraint-error",
        "foreign-key",
    }
