"""`machi facilities lottery create|list`: a centre's month put to lottery from the command line."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from machi.audit.models import AuditEntry
from machi.facilities import lottery as lotteries
from machi.facilities.models import Lottery
from machi.facilities.queries import add_months

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("facilities", "lottery", *args, stdout=out)
    return out.getvalue()


def test_create_by_name_takes_the_centres_defaults_and_lists_it(centre):
    month = add_months(timezone.localdate(), 4)
    out = run("create", "--centre", centre.name, "--month", f"{month:%Y-%m}")
    lottery = Lottery.objects.get(centre=centre, month=month)
    assert f"抽選 id: {lottery.pk}" in out
    assert lottery.draw_at == lotteries.default_schedule(centre, month)["draw_at"]
    assert AuditEntry.objects.filter(action="facilities.lottery_create").exists()
    listed = run("list", "--centre", str(centre.pk))
    assert f"{month:%Y-%m} 抽選（id: {lottery.pk}、申込 0 件）" in listed
    assert "先着順 受付開始" in listed


def test_create_with_typed_times_and_a_user_who_manages_the_centre(centre, manager):
    month = add_months(timezone.localdate(), 4)
    opens = lotteries.default_schedule(centre, month)["applications_open_at"]
    draw = timezone.localtime(opens) + (lotteries.default_schedule(centre, month)["draw_at"] - opens)
    run(
        "create",
        "--centre",
        str(centre.pk),
        "--month",
        f"{month:%Y-%m}",
        "--draw",
        f"{draw:%Y-%m-%d} 10:30",
        "--max-choices",
        "2",
        "--user",
        manager.username,
    )
    lottery = Lottery.objects.get()
    assert f"{timezone.localtime(lottery.draw_at):%H:%M}" == "10:30" and lottery.max_choices == 2
    assert lottery.created_by == manager


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--centre", "どこにもないセンター", "--month", "2099-01"], "見つかりません"),
        (["--month", "2099-13"], "月は 2022-10 のように"),
        (["--month", "2099-01", "--draw", "tomorrow"], "日時は 2027-01-01T09:00 のように"),
        (["--month", "2099-01", "--draw", "2098-11-01T09:00"], "以降にしてください"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_writes_nothing(centre, args, message):
    if "--centre" not in args:
        args = ["--centre", centre.name, *args]
    with pytest.raises(CommandError, match=message):
        run("create", *args)
    assert not Lottery.objects.exists()


def test_a_user_who_does_not_manage_the_centre_is_refused(centre, outsider):
    with pytest.raises(CommandError, match="権限がありません"):
        run("create", "--centre", centre.name, "--month", "2099-01", "--user", outsider.username)
