"""Dates taken from a page's address: a real date outside the years Machi handles is a 400 that says why."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("page", "query"),
    [("room", "month=9999-12"), ("room_week", "from=0001-01-01"), ("room_week", "from=9999-12-31")],
)
def test_a_room_s_calendar_refuses_a_date_beyond_the_years_it_handles(client, room, page, query):
    path = f"/facilities/rooms/{room.pk}/" + ("week/" if page == "room_week" else "")
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert "日付は2000年から2199年までで指定してください" in response.content.decode()


def test_the_day_sheet_refuses_the_last_day_of_year_9999_in_the_page_s_language(
    client, settings, centre, manager
):
    client.force_login(manager)
    response = client.get(f"/facilities/manage/centres/{centre.pk}/sheet/?date=9999-12-31")
    assert response.status_code == 400
    assert "日付は2000年から2199年までで指定してください（9999-12-31）" in response.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/facilities/manage/centres/{centre.pk}/sheet/?date=9999-12-31")
    assert response.status_code == 400
    assert "Give a date from 2000 to 2199 (9999-12-31)" in response.content.decode()


def test_a_date_that_is_not_a_date_still_falls_back_to_today(client, room):
    assert client.get(f"/facilities/rooms/{room.pk}/?month=soon").status_code == 200
    assert client.get(f"/facilities/rooms/{room.pk}/week/?from=2199-12-31").status_code == 200
