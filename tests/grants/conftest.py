import datetime

import pytest
from django.utils import timezone

from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup, GroupMember
from machi.grants import actions, demo
from machi.grants.models import GrantProgramme
from machi.ledger.models import Ward

TZ = timezone.get_default_timezone()
IN_WINDOW = datetime.datetime(2022, 6, 1, 10, 0, tzinfo=TZ)
BEFORE_WINDOW = datetime.datetime(2022, 3, 31, 23, 59, tzinfo=TZ)
AFTER_WINDOW = datetime.datetime(2023, 2, 1, 0, 0, tzinfo=TZ)


@pytest.fixture
def grants(kumamoto):
    """The FY2022 demo programmes, loaded through `machi demo`'s loader, at the start of their year.

    The seed's 決算額 is the year's end, grants paid included: these tests run the year's grants from
    its start, so each programme's project has nothing settled yet and its money left is its budget.
    `spent_before` gives a project settled spending again (tests/grants/test_money_left.py).
    """
    report = demo.load(actor=SYSTEM)
    for programme in GrantProgramme.objects.select_related("project"):
        spent_before(programme, None)
    return report


def spent_before(programme, settled_yen):
    """Set the programme's project's 決算額 (through the ledger, as staff would)."""
    from machi.ledger.actions import set_figures

    set_figures(programme.project, actor=SYSTEM, reason="テストのための決算額", settled_yen=settled_yen)


@pytest.fixture
def nishi(grants):
    return Ward.objects.get(name="西区")


@pytest.fixture
def programme(nishi) -> GrantProgramme:
    """西区 No.2 with its two tracks from the source."""
    return GrantProgramme.objects.get(ward=nishi, fiscal_year=2022)


@pytest.fixture
def small(programme):
    return programme.tracks.get(name="身近な課題解決対応")


@pytest.fixture
def model_track(programme):
    return programme.tracks.get(name="モデル事業")


@pytest.fixture
def category(programme):
    """Categories of the programme by name: category("謝礼金")."""
    return lambda name: programme.categories.get(name=name)


@pytest.fixture
def staff(nishi, ward_staff):
    return ward_staff("nishi-staff", nishi, email="nishi-staff@example.jp")


@pytest.fixture
def other_staff(ward_staff):
    return ward_staff("higashi-staff", Ward.objects.get(name="東区"))


@pytest.fixture
def applicant(django_user_model):
    return django_user_model.objects.create_user(
        "yamada", email="yamada@example.jp", display_name="山田 花子"
    )


@pytest.fixture
def group(nishi, applicant):
    group = CommunityGroup.objects.create(
        name="島崎校区自治協議会", kind="kouku", ward=nishi, representative=applicant, status="approved"
    )
    return group


@pytest.fixture
def member(group, django_user_model):
    person = django_user_model.objects.create_user("suzuki", email="suzuki@example.jp")
    GroupMember.objects.create(group=group, name="鈴木 一郎", user=person)
    return person


@pytest.fixture
def stranger(django_user_model):
    return django_user_model.objects.create_user("stranger", email="stranger@example.jp")


@pytest.fixture
def lines(category):
    """Expense lines: lines(("謝礼金", 300_000), ("飲食費", 50_000))."""

    def make(*items):
        return [
            actions.ExpenseInput(category=category(name), description=f"{name}の内訳", amount_yen=yen)
            for name, yen in items
        ]

    return make


@pytest.fixture
def draft(programme, small, group, applicant, lines):
    """A draft for the small track: 600,000 yen eligible (→ 200,000 yen), 30,000 yen of 飲食費."""
    return actions.save_draft(
        actor=applicant,
        programme=programme,
        track=small,
        group=group,
        title="防災マップづくり",
        plan="校区の危険箇所を歩いて調べ、防災マップを作って全戸に配る。",
        schedule="2022年7月〜12月",
        other_income_yen=10_000,
        expenses=lines(("謝礼金", 100_000), ("印刷製本費", 500_000), ("飲食費", 30_000)),
    )


@pytest.fixture
def submitted(draft, applicant):
    return actions.submit(actor=applicant, application=draft, now=IN_WINDOW)


@pytest.fixture
def decided(submitted, staff):
    actions.start_review(actor=staff, application=submitted)
    return actions.decide(
        actor=staff, application=submitted, amount_yen=200_000, conditions="写真を添えて報告すること"
    )


@pytest.fixture
def reported(decided, applicant, lines):
    return actions.report_results(
        actor=applicant,
        application=decided,
        expenses=lines(("謝礼金", 90_000), ("印刷製本費", 420_000), ("飲食費", 40_000)),
    )


@pytest.fixture
def confirmed(reported, staff):
    return actions.confirm_amount(actor=staff, application=reported)


@pytest.fixture
def make_submitted(programme, group, applicant, category):
    """A submitted application of the track asking on `eligible` yen of 謝礼金: make_submitted(track, 600_000)."""

    def make(track, eligible: int, title: str = "地域の催し"):
        line = actions.ExpenseInput(
            category=category("謝礼金"), description="講師への謝礼", amount_yen=eligible
        )
        application = actions.save_draft(
            actor=applicant, programme=programme, track=track, group=group, title=title, expenses=[line]
        )
        return actions.submit(actor=applicant, application=application, now=IN_WINDOW)

    return make


def set_envelope(programme, revised_yen):
    """Give the programme's project another 2月補正後 (through the ledger, as staff would)."""
    from machi.ledger.actions import set_figures

    set_figures(programme.project, actor=SYSTEM, reason="テストのための補正", revised_yen=revised_yen)
