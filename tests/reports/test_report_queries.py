"""The reports' business questions against the Kumamoto FY2022 seed, and a second year."""

import csv
import json
from collections import defaultdict
from decimal import Decimal

import pytest
from tests.conftest import DATASET
from tests.reports.second_year import load_fy2021

from machi.accounts.actors import SYSTEM
from machi.ledger import actions
from machi.ledger.models import Programme, Project, Ward
from machi.reports.queries import city_overview, theme_spend, ward_report, year_over_year

SEED_TOTALS = {  # 千円: initial, revised, settled, as printed in the city's document
    "中央区": (19_000, 17_620, 16_701),
    "東区": (19_000, 19_000, 18_512),
    "西区": (19_000, 17_482, 15_461),
    "南区": (19_000, 16_379, 15_293),
    "北区": (19_000, 15_900, 12_186),
}


def in_thousands(totals):
    return tuple(
        None if v is None else v // 1000 for v in (totals.initial_yen, totals.revised_yen, totals.settled_yen)
    )


@pytest.mark.parametrize("ward", SEED_TOTALS)
def test_each_ward_report_adds_up_to_the_seed(kumamoto, ward):
    report = ward_report(Programme.objects.get(fiscal_year=2022, ward__name=ward))
    assert in_thousands(report.totals) == SEED_TOTALS[ward]
    assert in_thousands(sum_groups(report.groups)) == SEED_TOTALS[ward]
    assert report.unused_yen == report.totals.revised_yen - report.totals.settled_yen
    assert report.execution_rate == Decimal(SEED_TOTALS[ward][2]) / Decimal(SEED_TOTALS[ward][1])


def sum_groups(groups):
    from machi.ledger.queries import Totals

    return Totals.of(group.totals for group in groups)


def test_the_ward_report_has_the_vision_pillars_in_order_and_status_marks(kumamoto):
    programme = Programme.objects.get(fiscal_year=2022, ward__name="中央区")
    report = ward_report(programme)
    assert report.programme.vision.startswith("新たな出会いと未来創造の都会")
    assert report.priorities and all(line.strip() for line in report.priorities)
    assert [g.pillar.name for g in report.groups] == [p.name for p in programme.pillars.order_by("position")]
    assert sum(len(g.projects) for g in report.groups) == programme.projects.count()
    new = programme.projects.filter(status="新規").count()
    assert report.status_counts["新規"] == new > 0


def test_the_ward_report_carries_that_wards_data_check_findings(kumamoto):
    minami = ward_report(Programme.objects.get(fiscal_year=2022, ward__name="南区"))
    assert [f.kind for f in minami.findings] == ["settled_above_revised"] * 6
    assert any("地域課題対応費" in f.message for f in minami.findings)
    assert ward_report(Programme.objects.get(fiscal_year=2022, ward__name="中央区")).findings == []


def test_the_city_overview_sets_the_wards_side_by_side(kumamoto):
    overview = city_overview(2022)
    assert [row.ward.name for row in overview.rows] == list(SEED_TOTALS)
    assert [in_thousands(row.totals) for row in overview.rows] == list(SEED_TOTALS.values())
    assert in_thousands(overview.totals) == (95_000, 86_381, 78_153)
    assert overview.allocation_yen == 95_000_000
    assert overview.project_count == 73
    assert overview.totals.unused_yen == (86_381 - 78_153) * 1000


def seed_theme_sums():
    """The theme sums computed straight from the shipped files, independently of the database."""
    meta = json.loads((DATASET / "dataset.json").read_text(encoding="utf-8"))
    themes = {(e["ward_code"], e["name"]): e["themes"] for e in meta["themes"]}
    sums = defaultdict(lambda: [0, 0, 0])
    with open(DATASET / "ledger.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for theme in themes.get((row["ward_code"], row["name"]), []):
                for i, column in enumerate(("initial", "revised", "settled")):
                    sums[(theme, row["ward"])][i] += int(row[column]) if row[column].isdigit() else 0
    return sums


def test_theme_spend_counts_a_project_in_each_of_its_themes(kumamoto):
    spend = theme_spend(2022)
    assert [w.name for w in spend.wards] == list(SEED_TOTALS)
    expected = seed_theme_sums()
    found = {}
    for row in spend.rows:
        for ward, totals in zip(spend.wards, row.by_ward, strict=True):
            if totals.initial_yen is not None or totals.settled_yen is not None:
                found[(row.name, ward.name)] = [
                    (v or 0) // 1000 for v in (totals.initial_yen, totals.revised_yen, totals.settled_yen)
                ]
    assert found == {key: value for key, value in expected.items()}
    # a project with two themes is in both: the themes add up to more than the city's settled total
    assert sum(row.totals.settled_yen or 0 for row in spend.rows) > city_overview(2022).totals.settled_yen
    assert "ICT" in [row.name for row in spend.rows]


def test_theme_spend_keeps_the_projects_without_a_theme_apart(kumamoto):
    chuo = Programme.objects.get(fiscal_year=2022, ward__name="中央区")
    project = Project.objects.create(programme=chuo, no=99, position=99, name="テーマのない事業")
    actions.set_figures(
        project, initial_yen=0, revised_yen=123_000, settled_yen=100_000, reason="テスト", actor=SYSTEM
    )
    spend = theme_spend(2022)
    assert spend.untagged.by_ward[0].revised_yen == 123_000
    assert spend.untagged.project_counts[0] == 1
    assert spend.untagged.totals.settled_yen == 100_000


def test_year_over_year_for_the_city_and_one_ward(kumamoto, tmp_path):
    load_fy2021(tmp_path)
    city = year_over_year()
    assert [y.fiscal_year for y in city.years] == [2021, 2022]
    assert in_thousands(city.years[0].totals) == (18_000, 14_800, 13_400)
    assert in_thousands(city.years[1].totals) == (95_000, 86_381, 78_153)
    assert [y.ward_count for y in city.years] == [2, 5]
    higashi = year_over_year(Ward.objects.get(name="東区"))
    assert [in_thousands(y.totals) for y in higashi.years] == [
        (10_000, 7_000, 6_000),
        (19_000, 19_000, 18_512),
    ]


def make_large_ward(projects: int, fiscal_year: int = 2022):
    ward = Ward.objects.create(code="432121", name="大区", city_name="テスト市", city_code="432016")
    programme = actions.save_programme_profile(
        ward=ward,
        fiscal_year=fiscal_year,
        allocation_yen=projects * 1_000_000,
        vision="大きな区",
        priorities="",
        pillars=[(f"柱{i}", "") for i in range(1, 6)],
        actor=SYSTEM,
    )
    pillars = list(programme.pillars.order_by("position"))
    themes = ["防災", "ICT", "健康"]
    for n in range(1, projects + 1):
        project = Project.objects.create(
            programme=programme,
            pillar=pillars[n % 5],
            no=n,
            position=n,
            name=f"事業{n}",
            status="新規" if n % 3 else "",
        )
        actions.set_figures(
            project, initial_yen=1_000_000, revised_yen=900_000, settled_yen=950_000 if n % 7 == 1 else 800_000,
            reason="テスト", actor=SYSTEM,
        )  # fmt: skip
        actions.tag_project(project, themes[: n % 3 + 1], actor=SYSTEM)
    return programme


@pytest.mark.parametrize("size", [3, 40])
def test_the_questions_take_a_fixed_number_of_queries(kumamoto, django_assert_max_num_queries, size):
    programme = make_large_ward(size)
    # The sheet (3), and the services' commitments on its projects (one per service: grants).
    with django_assert_max_num_queries(4):
        report = ward_report(programme)
        assert len(report.projects) == size
        assert report.status_counts and report.findings
    with django_assert_max_num_queries(1):
        assert len(city_overview(2022).rows) == 6
    with django_assert_max_num_queries(3):
        spend = theme_spend(2022)
        assert [row.project_count for row in spend.rows]
    with django_assert_max_num_queries(1):
        assert year_over_year().years[0].project_count == 73 + size
