"""The centre's schedule pages: staff see each coming month, put one to lottery with the centre's defaults,
change or cancel it, and change the booking window; refusals are told, others are kept out."""

import re

import pytest
from django.utils import timezone

from machi.facilities import lottery as lotteries
from machi.facilities.models import Lottery
from machi.facilities.queries import add_months

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def local(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


@pytest.fixture
def future_month():
    """A month whose first-come booking has not opened yet (the window is two months ahead)."""
    return add_months(timezone.localdate(), 4)


def test_the_manager_puts_a_month_to_lottery_with_the_centres_defaults(client, centre, manager, future_month):
    client.force_login(manager)
    page = client.get(f"/facilities/manage/centres/{centre.pk}/schedule/")
    assert page.status_code == 200
    new_url = f"/facilities/manage/centres/{centre.pk}/lotteries/new/?month={future_month:%Y-%m}"
    assert new_url.replace("&", "&amp;") in page.content.decode()
    assert "先着順の受付が" in text(page)  # this month's first-come has begun: it cannot go to lottery

    form = client.get(new_url)
    defaults = lotteries.default_schedule(centre, future_month)
    assert f'value="{local(defaults["draw_at"])}"' in form.content.decode()
    response = client.post(
        new_url,
        {"month": f"{future_month:%Y-%m}", "max_choices": 2} | {k: local(v) for k, v in defaults.items()},
    )
    assert response.status_code == 302
    lottery = Lottery.objects.get(centre=centre, month=future_month)
    assert lottery.max_choices == 2 and lottery.created_by == manager
    assert lottery.draw_at == defaults["draw_at"]
    shown = text(client.get(f"/facilities/manage/centres/{centre.pk}/schedule/"))
    assert "日程を変更する" in shown and "抽選を取り消す" in shown


def test_a_draw_before_applications_close_is_refused_with_the_reason(client, centre, manager, future_month):
    client.force_login(manager)
    defaults = lotteries.default_schedule(centre, future_month)
    data = {k: local(v) for k, v in defaults.items()} | {"max_choices": 3}
    data["draw_at"] = local(defaults["applications_open_at"])
    response = client.post(
        f"/facilities/manage/centres/{centre.pk}/lotteries/new/", data | {"month": f"{future_month:%Y-%m}"}
    )
    assert (
        response.status_code == 200
        and "抽選日時" in text(response)
        and "以降にしてください" in text(response)
    )
    assert not Lottery.objects.exists()


def test_a_month_already_open_first_come_is_refused(client, centre, manager):
    client.force_login(manager)
    month = timezone.localdate().replace(day=1)
    defaults = lotteries.default_schedule(centre, add_months(month, 4))
    response = client.post(
        f"/facilities/manage/centres/{centre.pk}/lotteries/new/",
        {k: local(v) for k, v in defaults.items()} | {"max_choices": 3, "month": f"{month:%Y-%m}"},
    )
    assert "抽選にできません" in text(response) or "より前にしてください" in text(response)
    assert not Lottery.objects.exists()


def test_the_manager_changes_then_cancels_an_unopened_lottery(client, centre, manager, future_month):
    defaults = lotteries.default_schedule(centre, future_month)
    lottery = lotteries.create_lottery(actor=manager, centre=centre, month=future_month, **defaults)
    client.force_login(manager)
    edit = f"/facilities/manage/centres/{centre.pk}/lotteries/{lottery.pk}/"
    data = {k: local(v) for k, v in defaults.items()} | {"max_choices": 5}
    assert client.post(edit, data).status_code == 302
    assert Lottery.objects.get(pk=lottery.pk).max_choices == 5
    assert "取り消すと、この月は先着順になり" in text(client.get(edit + "cancel/"))
    assert client.post(edit + "cancel/").status_code == 302
    assert not Lottery.objects.exists()


def test_the_manager_changes_the_booking_window(client, centre, manager):
    client.force_login(manager)
    url = f"/facilities/manage/centres/{centre.pk}/schedule/window/"
    assert 'value="2"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "window_months_ahead": "3",
            "window_opens_day": "10",
            "window_opens_time": "08:30",
            "resident_head_start_days": "3",
        },
    )
    assert response.status_code == 302
    centre.refresh_from_db()
    assert (centre.window_months_ahead, centre.window_opens_day, centre.resident_head_start_days) == (
        3,
        10,
        3,
    )
    bad = client.post(
        url, {"window_months_ahead": "3", "window_opens_day": "31", "window_opens_time": "08:30"}
    )
    assert bad.status_code == 200 and "28" in text(bad)


@pytest.mark.parametrize("page", ["schedule/", "schedule/window/", "lotteries/new/"])
def test_a_resident_or_another_centres_manager_is_kept_out(client, centre, resident, page):
    client.force_login(resident)
    assert client.get(f"/facilities/manage/centres/{centre.pk}/{page}").status_code == 403
    assert client.post(f"/facilities/manage/centres/{centre.pk}/{page}", {}).status_code == 403
    assert not Lottery.objects.exists()
