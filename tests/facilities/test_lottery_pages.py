"""The lottery pages through Django's test client, in real time: a lottery whose window is open now."""

import datetime
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup, GroupMember
from machi.audit.models import AuditEntry
from machi.facilities import lottery as lotteries
from machi.facilities.models import Lottery, LotteryEntry, Reservation
from machi.facilities.queries import add_months


def month_ahead():
    """A month whose first-come booking has not opened (the window is two months ahead)."""
    return add_months(timezone.localdate(), 3)


def open_day(centre, month):
    day = month
    while lotteries.closure_reason(centre, day):
        day += datetime.timedelta(days=1)
    return day


@pytest.fixture
def lottery(centre):
    """Open for applications now; the draw is an hour away."""
    now = timezone.now()
    return lotteries.create_lottery(
        actor=SYSTEM,
        centre=centre,
        month=month_ahead(),
        applications_open_at=now - datetime.timedelta(hours=1),
        applications_close_at=now + datetime.timedelta(hours=1),
        draw_at=now + datetime.timedelta(hours=2),
        confirm_by=now + datetime.timedelta(days=7),
        first_come_opens_at=now + datetime.timedelta(days=8),
    )


def move_to_after_the_draw_time(lottery):
    """Time passes: the window closed and the draw is due (the schedule moves back instead of the clock)."""
    now = timezone.now()
    Lottery.objects.filter(pk=lottery.pk).update(
        applications_open_at=now - datetime.timedelta(hours=3),
        applications_close_at=now - datetime.timedelta(hours=2),
        draw_at=now - datetime.timedelta(hours=1),
    )
    lottery.refresh_from_db()


def url(name, lottery):
    return reverse(f"facilities:{name}", kwargs={"lottery_id": lottery.pk})


def post_choices(client, lottery, room, day, blocks, **extra):
    return client.post(
        url("lottery-apply", lottery),
        {"room_1": room.pk, "date_1": day.isoformat(), "blocks_1": blocks, **extra},
    )


def test_the_public_page_shows_the_digest_and_hides_the_seed_while_open(client, lottery):
    page = client.get(url("lottery-detail", lottery)).content.decode()
    assert lottery.seed_digest in page
    assert lottery.seed not in page
    assert "申込の締切" in page and "の後に公開します" in page
    assert "申込受付中" in page
    listing = client.get(reverse("facilities:lottery-list")).content.decode()
    assert url("lottery-detail", lottery) in listing


def test_a_person_applies_changes_and_withdraws(client, lottery, room, resident):
    client.force_login(resident)
    form = client.get(url("lottery-apply", lottery)).content.decode()
    assert "第1希望" in form and "第3希望" in form
    day = open_day(lottery.centre, lottery.month)

    response = post_choices(client, lottery, room, day, ["morning", "afternoon"])
    assert response.status_code == 302 and response["Location"] == url("lottery-entry", lottery)
    entry = LotteryEntry.objects.get(applicant=resident)
    assert [c.rank for c in entry.choices.all()] == [1]
    page = client.get(url("lottery-entry", lottery)).content.decode()
    assert f"抽選に申し込みました。申込番号は {entry.pk} です。" in page
    assert "午前・午後" in page

    # The form comes back filled in; a change replaces the choices.
    form = client.get(url("lottery-apply", lottery)).content.decode()
    assert "申込の変更" in form and 'value="morning" id="id_blocks_1_0" checked' in form
    post_choices(
        client, lottery, room, day, ["evening"], room_2=room.pk, date_2=day.isoformat(), blocks_2=["morning"]
    )
    assert [(c.rank, [b.code for b in c.blocks.all()]) for c in entry.choices.order_by("rank")] == [
        (1, ["evening"]),
        (2, ["morning"]),
    ]

    response = client.post(url("lottery-withdraw", lottery))
    assert response["Location"] == url("lottery-detail", lottery)
    assert not LotteryEntry.objects.exists()


def test_a_half_filled_choice_and_a_refusal_are_shown_on_the_form(client, lottery, room, resident):
    client.force_login(resident)
    day = open_day(lottery.centre, lottery.month)
    page = client.post(
        url("lottery-apply", lottery),
        {"room_1": room.pk, "date_1": day.isoformat(), "blocks_1": ["morning"], "room_2": room.pk},
    ).content.decode()
    assert "第2希望の利用日を選んでください。" in page and "第2希望の利用区分を選んでください。" in page
    # The summary's links lead to the fields, the checkboxes' group too.
    assert 'href="#id_date_2"' in page and 'href="#id_blocks_2"' in page and '<div id="id_blocks_2">' in page
    page = post_choices(client, lottery, room, day, ["morning", "evening"]).content.decode()
    assert "第1希望：続けて予約できるのは連続した区分だけです" in page
    assert not LotteryEntry.objects.exists()


def test_applying_needs_a_login(client, lottery):
    response = client.get(url("lottery-apply", lottery))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_group_member_applies_for_the_group(client, lottery, room, resident, approved_group):
    client.force_login(resident)
    day = open_day(lottery.centre, lottery.month)
    post_choices(client, lottery, room, day, ["morning"], group=approved_group.pk)
    assert LotteryEntry.objects.get(applicant=resident).group == approved_group


def test_staff_see_entries_and_overlapping_groups_and_draw(
    client, lottery, room, resident, outsider, manager, chuo, django_capture_on_commit_callbacks
):
    day = open_day(lottery.centre, lottery.month)
    twin = CommunityGroup.objects.create(
        name="白川一丁目親睦会", kind="circle", ward=chuo, representative=outsider, status="approved"
    )
    original = CommunityGroup.objects.create(
        name="白川一丁目自治会", kind="jichikai", ward=chuo, representative=resident, status="approved"
    )
    for group, applicant in ((original, resident), (twin, outsider)):
        for name in ("熊本花子", "東次郎", "白川三郎"):
            GroupMember.objects.create(group=group, name=name)
        lotteries.apply(actor=applicant, lottery=lottery, choices=[(room, day, ["morning"])], group=group)

    client.force_login(manager)
    page = client.get(url("lottery-staff", lottery)).content.decode()
    assert "熊本花子" in page and "東次郎" in page
    assert "白川一丁目親睦会 ／ 白川一丁目自治会" in page or "白川一丁目自治会 ／ 白川一丁目親睦会" in page
    assert "3人中 3人が重なっています（100%）" in page
    assert "いま抽選する" not in page and "以降に実施できます" in page

    # Not before its time, even by a forged request.
    client.post(url("lottery-draw", lottery))
    lottery.refresh_from_db()
    assert lottery.drawn_at is None

    move_to_after_the_draw_time(lottery)
    assert "いま抽選する" in client.get(url("lottery-staff", lottery)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("lottery-draw", lottery))
    assert response["Location"] == url("lottery-staff", lottery)
    page = client.get(url("lottery-staff", lottery)).content.decode()
    assert "抽選を実施しました（申込 2件、当選 1件）" in page
    assert "検証済み" in page and lottery.seed in page
    assert len(mail.outbox) == 2


def test_the_staff_page_shows_no_profile_phone_and_is_audited(client, lottery, room, resident, manager):
    resident.phone = "096-222-3333"
    resident.save()
    entry = lotteries.apply(
        actor=resident,
        lottery=lottery,
        choices=[(room, open_day(lottery.centre, lottery.month), ["morning"])],
    )
    client.force_login(manager)
    page = client.get(url("lottery-staff", lottery)).content.decode()
    assert "熊本花子" in page and "096-222-3333" not in page  # not given for the entry
    [seen] = AuditEntry.objects.filter(action="facilities.view_lottery_entries")
    assert (seen.actor, seen.ward_id) == (manager, lottery.centre.ward_id)
    assert seen.after == {"kind": "view", "people": [resident.pk], "entries": [entry.pk]}


def test_a_resident_may_not_see_the_staff_page_nor_draw(client, lottery, resident):
    client.force_login(resident)
    assert client.get(url("lottery-staff", lottery)).status_code == 403
    move_to_after_the_draw_time(lottery)
    assert client.post(url("lottery-draw", lottery)).status_code == 403
    lottery.refresh_from_db()
    assert lottery.drawn_at is None


def test_after_the_draw_the_winner_confirms_and_the_loser_is_told(client, lottery, room, resident, outsider):
    day = open_day(lottery.centre, lottery.month)
    for person in (resident, outsider):
        lotteries.apply(actor=person, lottery=lottery, choices=[(room, day, ["evening"])])
    move_to_after_the_draw_time(lottery)
    lotteries.draw(actor=SYSTEM, lottery=lottery)
    won = Reservation.objects.get(lottery=lottery)
    winner, loser = (resident, outsider) if won.holder == resident else (outsider, resident)

    # The public page: the seed, the log by entry number, no names.
    public = client.get(url("lottery-detail", lottery)).content.decode()
    assert lottery.seed in public and "検証済み" in public
    assert str(winner) not in public and str(loser) not in public
    log = client.get(url("lottery-log", lottery)).json()
    assert log["seed"] == lottery.seed and len(log["decisions"]) == 2

    client.force_login(loser)
    assert "落選しました" in client.get(url("lottery-entry", lottery)).content.decode()
    assert client.post(url("lottery-confirm", lottery)).status_code == 404

    client.force_login(winner)
    page = client.get(url("lottery-entry", lottery)).content.decode()
    assert "当選しました（第1希望）" in page and "利用を確定する" in page
    client.post(url("lottery-confirm", lottery))
    won.refresh_from_db()
    assert won.status == Reservation.Status.CONFIRMED
    page = client.get(url("lottery-entry", lottery)).content.decode()
    assert "利用を確定しました" in page and "利用を確定する</button>" not in page


def test_staff_set_up_a_lottery_with_the_default_schedule(client, centre, manager):
    client.force_login(manager)
    month = month_ahead()
    response = client.post(
        reverse("facilities:lottery-new"), {"centre": centre.pk, "month": f"{month:%Y-%m}", "max_choices": 2}
    )
    lottery = Lottery.objects.get()
    assert response["Location"] == url("lottery-staff", lottery)
    assert (lottery.month, lottery.max_choices) == (month, 2)
    assert lottery.draw_at == lotteries.default_schedule(centre, month)["draw_at"]
    page = client.post(
        reverse("facilities:lottery-new"), {"centre": centre.pk, "month": f"{month:%Y-%m}", "max_choices": 3}
    ).content.decode()
    assert "の抽選はすでにあります" in page


def test_the_tick_command_draws_what_is_due_and_says_so(lottery, room, resident):
    day = open_day(lottery.centre, lottery.month)
    lotteries.apply(actor=resident, lottery=lottery, choices=[(room, day, ["morning"])])
    out = _tick()
    assert out == "期限の来た処理はありませんでした\n"
    move_to_after_the_draw_time(lottery)
    out = _tick()
    assert re.fullmatch(
        r"抽選を実施しました：白川地域コミュニティセンター \d{4}年\d+月分（申込 1件、当選 1件）\n", out
    )
    assert _tick() == "期限の来た処理はありませんでした\n"

    Reservation.objects.filter(lottery=lottery).update(
        confirm_by=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert _tick().startswith("確認期限を過ぎた当選を無効にしました：白川地域コミュニティセンター 和室")
    assert Reservation.objects.get(lottery=lottery).status == Reservation.Status.LAPSED


def _tick() -> str:
    out = StringIO()
    call_command("facilities_tick", stdout=out)
    return out.getvalue()
