"""The shipped Kumamoto FY2022 data reconciles with every total printed in the source."""

import json

import pytest
from tests.conftest import DATASET

from machi.accounts.actors import SYSTEM
from machi.ledger.models import FigureChange, Pillar, Programme, Project

META = json.loads((DATASET / "dataset.json").read_text(encoding="utf-8"))
PRINTED = {p["ward_code"]: p for p in META["programmes"]}


@pytest.mark.parametrize("ward_code", sorted(PRINTED))
def test_each_ward_matches_its_printed_totals(kumamoto, ward_code):
    printed = PRINTED[ward_code]["printed_totals"]
    totals = Project.objects.filter(programme__ward__code=ward_code, programme__fiscal_year=2022).totals()
    assert (totals.initial_yen, totals.revised_yen, totals.settled_yen) == (
        printed["initial"] * 1000,
        printed["revised"] * 1000,
        printed["settled"] * 1000,
    )


def test_minami_groups_match_their_printed_subtotals(kumamoto):
    subtotals = PRINTED["431044"]["printed_pillar_subtotals"]
    assert len(subtotals) == 5
    for pillar_name, printed in subtotals.items():
        totals = Project.objects.filter(pillar__name=pillar_name, programme__ward__code="431044").totals()
        assert (totals.initial_yen, totals.revised_yen, totals.settled_yen) == (
            printed["initial"] * 1000,
            printed["revised"] * 1000,
            printed["settled"] * 1000,
        ), pillar_name


def test_the_city_has_73_projects_in_five_wards(kumamoto):
    assert Programme.objects.for_year(2022).count() == 5
    counts = {p.ward.name: p.project_count for p in Programme.objects.for_year(2022).with_totals()}
    assert counts == {"中央区": 15, "東区": 21, "西区": 10, "南区": 18, "北区": 9}
    assert all(p.allocation_yen == 19_000_000 for p in Programme.objects.all())
    city = Project.objects.for_year(2022).totals()
    assert city.initial_yen == 95_000_000


def test_every_project_has_a_pillar_and_a_theme(kumamoto):
    assert not Project.objects.filter(pillar__isnull=True).exists()
    assert not Project.objects.filter(themes__isnull=True).exists()
    assert Pillar.objects.filter(programme__ward__code="431010").count() == 5


def test_not_budgeted_is_kept_apart_from_zero(kumamoto):
    matching = Project.objects.get(programme__ward__name="中央区", no=12)
    assert (matching.initial_yen, matching.revised_yen, matching.settled_yen) == (None, None, None)
    nature = Project.objects.get(programme__ward__name="東区", no=16)
    assert (nature.initial_yen, nature.revised_yen, nature.settled_yen) == (0, 0, 0)


def test_statuses_are_read_from_the_marks(kumamoto):
    new_in_chuo = set(
        Project.objects.filter(programme__ward__name="中央区", status="新規").values_list("no", flat=True)
    )
    assert new_in_chuo == {1, 3, 7, 9, 13}
    assert set(
        Project.objects.filter(programme__ward__name="西区", status="拡充").values_list("no", flat=True)
    ) == {6, 10}


def test_loading_keeps_each_figure_as_history(kumamoto):
    project = Project.objects.get(programme__ward__name="中央区", no=1)
    stages = {c.stage: (c.old_yen, c.new_yen) for c in FigureChange.objects.for_project(project)}
    assert stages == {
        "initial": (None, 1_000_000),
        "revised": (None, 1_800_000),
        "settled": (None, 1_798_000),
    }
    assert all("kumamoto-fy2022" in c.reason for c in FigureChange.objects.for_project(project))


def test_loading_it_again_changes_nothing(kumamoto):
    from machi.ledger.importers import import_path

    history = FigureChange.objects.count()
    again = import_path(DATASET, source="again", actor=SYSTEM)
    assert not again.changed_anything
    assert again.unchanged == 73
    assert FigureChange.objects.count() == history
