"""The staff page for an event's expenses: record with a confirmation step (全角 digits, 令和 dates),
take one back, and only staff of the event's ward get in."""

import pytest
from django.urls import reverse

from machi.events.models import EventExpense
from machi.ledger.queries import public_history


@pytest.fixture
def budgeted(project):
    project.initial_yen = 200_000
    project.save()
    return project


FORM = {
    "section": "rewards",
    "payee": "熊本 太郎",
    "paid_on": "令和8年５月１０日",
    "amount_yen": "３０，０００",
    "note": "講師謝礼",
    "overdraw_reason": "",
}


def test_staff_confirm_then_record_an_expense_and_take_it_back(client, staff, budgeted, make_event):
    event = make_event(title="防災講座")
    client.force_login(staff)
    url = reverse("events_ledger:expenses", args=[event.pk])

    assert client.get(url).status_code == 200
    review = client.post(url, FORM)
    assert review.status_code == 200
    page = review.content.decode()
    assert "この支出を記録しますか" in page and "― → 30,000" in page
    assert not EventExpense.objects.exists()  # the preview was rolled back

    done = client.post(url, FORM | {"confirmed": "yes"}, follow=True)
    assert "30,000円の支出を記録し" in done.content.decode()
    expense = EventExpense.objects.get()
    assert (expense.amount_yen, str(expense.paid_on)) == (30_000, "2026-05-10")
    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 30_000

    back = client.post(
        reverse("events_ledger:withdraw_expense", args=[expense.pk]), {"reason": "誤り"}, follow=True
    )
    assert "取消済み（誤り）" in back.content.decode()
    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 0
    assert [c.reason for c in public_history(budgeted)][-1].endswith("の取消")


def test_bad_input_is_answered_on_the_page_and_writes_nothing(client, staff, budgeted, make_event):
    event = make_event()
    client.force_login(staff)
    answer = client.post(
        reverse("events_ledger:expenses", args=[event.pk]),
        FORM | {"paid_on": "令和4年2月30日", "amount_yen": "abc", "confirmed": "yes"},
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "令和4年2月30日は存在しない日付です" in page and "金額は0以上の整数" in page
    assert not EventExpense.objects.exists()


def test_over_the_money_left_the_action_says_so_beside_the_form(client, staff, budgeted, make_event):
    client.force_login(staff)
    answer = client.post(
        reverse("events_ledger:expenses", args=[make_event().pk]), FORM | {"amount_yen": "250000"}
    )
    assert answer.status_code == 400
    assert "予算の残りは200,000円" in answer.content.decode()


def test_only_staff_of_the_ward_may(client, ward_staff, higashi, people, make_event, budgeted):
    url = reverse("events_ledger:expenses", args=[make_event().pk])
    assert client.get(url).status_code == 302  # to the login
    client.force_login(ward_staff("higashi-staff", higashi))
    assert client.get(url).status_code == 403
    client.force_login(people(1)[0])
    assert client.post(url, FORM | {"confirmed": "yes"}).status_code == 403
    assert not EventExpense.objects.exists()
