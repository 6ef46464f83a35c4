"""Derived figures (never stored) and `machi ledger check`."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command

from machi.accounts.actors import SYSTEM
from machi.ledger.actions import carry_forward, set_figures
from machi.ledger.models import Programme, Project
from machi.ledger.queries import ledger_check, programme_sheet


def test_derived_figures_of_a_project(kumamoto):
    grant = Project.objects.get(programme__ward__name="中央区", no=14)
    assert grant.unused_yen == 1_720_000 - 1_567_000
    assert round(grant.execution_rate * 100, 1) == Decimal("91.1")
    overspent = Project.objects.get(programme__ward__name="南区", name="地域課題対応費")
    assert overspent.settled_exceeds_revised and overspent.unused_yen == -2_726_000


def test_the_ward_sheet_groups_projects_under_pillars_in_order(kumamoto, django_assert_max_num_queries):
    programme = Project.objects.get(programme__ward__name="南区", no=1).programme
    with django_assert_max_num_queries(3):
        groups, total = programme_sheet(programme)
    assert [g.pillar.name for g in groups] == [p.name for p in programme.pillars.order_by("position")]
    assert [g.totals.settled_yen for g in groups] == [565_000, 3_168_000, 949_000, 666_000, 9_945_000]
    assert (total.initial_yen, total.revised_yen, total.settled_yen) == (19_000_000, 16_379_000, 15_293_000)


def test_the_check_flags_overspends_and_allocation_gaps_per_ward(kumamoto):
    findings = ledger_check(2022)
    assert list(findings) == ["中央区", "東区", "西区", "南区", "北区"]
    assert [f.kind for f in findings["南区"]] == ["settled_above_revised"] * 6
    assert all(not findings[w] for w in ("中央区", "東区", "西区", "北区"))

    project = Project.objects.get(programme__ward__name="北区", no=9)
    set_figures(project, initial_yen=410_000, revised_yen=None, reason="テスト", actor=SYSTEM)
    kinds = sorted(f.kind for f in ledger_check(2022)["北区"])
    assert kinds == ["allocation", "settled_without_revised"]
    assert "差 100 千円" in ledger_check(2022)["北区"][0].message


def test_the_check_command_prints_a_line_per_ward(kumamoto):
    out = StringIO()
    call_command("ledger", "check", "--year", "令和4年度", stdout=out)
    text = out.getvalue()
    assert "中央区: 問題なし" in text
    assert "南区: 6 件" in text
    assert "地域課題対応費: 決算額 4,195 千円が2月補正後 1,469 千円を上回っています" in text
    assert text.strip().endswith("令和4年度: 5 区を点検、指摘 6 件")


def test_before_the_revision_spending_against_the_initial_budget_is_not_flagged(kumamoto):
    chuo = Programme.objects.get(ward__name="中央区", fiscal_year=2022)
    carry_forward(actor=SYSTEM, programme=chuo, to_year=2023, initial_yen_by_project={14: 1_720_000})
    paid = Project.objects.get(programme__ward__name="中央区", programme__fiscal_year=2023, no=14)
    set_figures(paid, settled_yen=170_000, reason="補助金の支払い", actor=SYSTEM)
    assert "settled_without_revised" not in [f.kind for f in ledger_check(2023)["中央区"]]

    unbudgeted = Project.objects.get(programme__ward__name="中央区", programme__fiscal_year=2023, no=1)
    set_figures(unbudgeted, settled_yen=50_000, reason="テスト", actor=SYSTEM)
    flagged = [f.message for f in ledger_check(2023)["中央区"] if f.kind == "settled_without_revised"]
    assert flagged == [
        "No.1 地域コミュニティセンターのデジタル化実証実験事業: 2月補正後の予算がないのに決算額 50 千円があります"
    ]
