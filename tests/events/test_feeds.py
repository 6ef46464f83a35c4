"""The iCalendar feeds (a ward's, an event's: one VEVENT per session, public events only) and the
イベント一覧 download."""

import csv
import datetime
import io

from django.urls import reverse
from icalendar import Calendar

from machi.events.models import Event


def series(make_event, **fields):
    starts = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)).replace(
        second=0, microsecond=0
    )
    return make_event(
        sessions=[
            (starts + datetime.timedelta(days=7 * n), starts + datetime.timedelta(days=7 * n, hours=2))
            for n in range(3)
        ],
        registration_closes_at=starts - datetime.timedelta(days=1),
        cancel_until=starts - datetime.timedelta(days=2),
        **fields,
    )


def vevents(response) -> list:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return [c for c in Calendar.from_ical(response.content).walk("VEVENT")]


def test_the_ward_feed_has_a_vevent_per_session_of_its_public_events(client, make_event, chuo, higashi):
    course = series(
        make_event,
        title="パソコン講座",
        venue_name="中央公民館",
        venue_address="手取本町1-1",
        latitude="32.8",
        longitude="130.7",
    )
    make_event(title="下書き", publish=False)
    cancelled = make_event(title="中止の講座")
    Event.objects.filter(pk=cancelled.pk).update(status=Event.Status.CANCELLED)

    found = vevents(client.get(reverse("events_ledger:ward_feed", args=[chuo.code])))

    assert [str(v["summary"]) for v in found] == [f"パソコン講座（第{n}回／全3回）" for n in (1, 2, 3)]
    first = found[0]
    assert first["dtstart"].dt == course.sessions.first().starts_at
    assert str(first["location"]) == "中央公民館（手取本町1-1）"
    assert first["geo"].latitude == 32.8
    assert len({str(v["uid"]) for v in found}) == 3
    assert not vevents(client.get(reverse("events_ledger:ward_feed", args=[higashi.code])))


def test_an_events_feed_and_a_hidden_event(client, make_event):
    talk = make_event(title="講演会")
    (only,) = vevents(client.get(reverse("events_ledger:event_feed", args=[talk.pk])))
    assert str(only["summary"]) == "講演会" and "定員: 10人（先着順）" in str(only["description"])
    draft = make_event(title="下書き", publish=False)
    assert client.get(reverse("events_ledger:event_feed", args=[draft.pk])).status_code == 404


def test_the_open_data_download_in_both_encodings(client, make_event, chuo):
    make_event(title="防災講座")
    url = reverse("events_ledger:opendata")

    utf8 = client.get(url, {"ward": chuo.code})
    assert utf8["Content-Disposition"] == 'attachment; filename="events-431010.csv"'
    body = b"".join(utf8.streaming_content) if utf8.streaming else utf8.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:5] == ["都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "イベント名"]
    assert rows[1][4] == "防災講座"

    cp932 = client.get(url, {"encoding": "cp932"})
    assert "防災講座" in cp932.content.decode("cp932")
    assert client.get(url, {"ward": "999999"}).status_code == 404
