"""English pages read as English: a crawl of every page a visitor, a resident and staff reach, in English.

The world of tests/crawl_support.py (every service used once, the Kumamoto FY2022 ledger and the
demo centres and grant programmes) is crawled by following links from a few start pages, with the
language switched to English (the `django_language` cookie that /i18n/setlang/ sets): once as an
anonymous visitor, once as the resident, once as ward staff and once as a centre's manager, from
a listed set of start URLs (one per part of the site) and by every link, form action and redirect
from there: a page added later is read as soon as it is linked from a page already read. A few
pages that answer a form (a booking's review, a sign-up or a password reset sent) are posted to.

On every HTML page, what a person reads — text nodes (not scripts or styles), the title, and the
`alt`, `title`, `aria-label` and `placeholder` attributes and the `value` of buttons — must hold
no Japanese character (kana, kanji, full-width forms and CJK punctuation such as 、。：（）〜)
once the data is taken out; nor may it read as a program's leftovers ("Status: None", a figure
run into its unit as "19,000thousand yen"). A failure lists each offending text once, with the
Japanese left in it and the pages (and for whom) it was found on.

What counts as data, and why it is found this way: names and text stored in the database stay
Japanese on an English page (a ward's or project's name, a centre, a room, a group, a person, a
plan typed in a form). Every text value of the site's models is collected from the database
(`data_strings`) and removed from a page's text before it is checked, longest first. This finds
data wherever and however a template shows it, without any template having to mark it, so a new
page by another hand is checked as it is. A few stored values are not data but the site's own
vocabulary, shown as labels, and must be translated: they are listed in `VOCABULARY` and not
removed (a centre's time blocks 午前/午後/夜間, its opening weekdays); the audit log's texts are
composed by the system and are not data either (`NOT_DATA_APPS`). The one weakness: a sentence the
system stores in a workflow's history (a grant's confirmed amount explained) passes as data on the
page that shows that history; the mail test asks for it in English by name. An element marked
`lang="ja"` is taken as Japanese on purpose (the 日本語 button of the language switch, data a
template marks for screen readers) and skipped.

Mails are checked the same way: the world is built with everyone preferring English, so every
mail it sends (bookings, the lottery's result, each grant step) is written in English; a staff
comment, a group's decision and an address change are sent to them too, and the account mails
(address check, sign-up attempt, password reset) are asked for on the English pages. Every mail
template in the site must have been written by the test (a new one fails it until it is).
"""

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail
from django.db import models
from django.test import Client, RequestFactory
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone
from tests.crawl_support import OPEN_DAY, RESIDENT, build_world, crawl

import machi
from machi.accounts import emails as accounts_emails
from machi.accounts.actors import SYSTEM
from machi.events import actions as events
from machi.events.models import Event
from machi.facilities import lottery as lotteries
from machi.facilities.queries import add_months
from machi.grants import actions as grants
from machi.ledger.models import Project

JAPANESE = re.compile(
    "[\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)

# Stored values that are the site's own words, shown as labels: they must be translated, not skipped.
VOCABULARY = {
    ("facilities", "timeblock", "label"),
    ("facilities", "centre", "open_weekdays"),
}

# Apps whose stored texts are composed by the system, not typed by people: the audit log keeps each
# row's name as it read then (令和4年度 中央区 …), which must not excuse that text on a page.
NOT_DATA_APPS = {"audit"}

# Japanese on an English page on purpose: a language's own name in the language list, the examples
# of what to type in fields that take Japanese (a group's name, a name in kana) and the headers a
# sheet to upload must carry.
ON_PURPOSE = (
    "日本語",
    "(事業名)",
    "(当初予算)",
    "花園一丁目町内自治会",
    "五福校区",
    "熊本 太郎,くまもと たろう",
    "熊本 花子",
    "くまもと はなこ",
)

# English that reads as a program's leftovers: a missing value printed by Python, a number run into
# its unit ("19,000thousand yen").
NOT_ENGLISH = re.compile(r"^None$|:\s*None\b|\d(?:thousand|yen)\b|\d {2,}yen\b")

# Not pages a resident or staff member reads in Machi's own design: the Django admin (its own
# translation), the API's JSON and its docs, and files (published documents are Japanese).
NOT_PAGES = ("/admin/", "/api/")
FILES = (".csv", ".xlsx", ".pdf", ".zip", ".ics", ".json")

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")


class VisibleText(HTMLParser):
    """The pieces of an HTML page a person reads or hears, outside elements marked lang="ja"."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._stack: list[tuple[str, bool, bool]] = []  # (tag, Japanese on purpose, hidden from reading)

    def _japanese(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][2]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        lang = attributes.get("lang")
        japanese = lang.startswith("ja") if lang is not None else self._japanese()
        hidden = self._hidden() or tag in ("script", "style", "template")
        if not japanese and not hidden:
            for name in READ_ATTRIBUTES:
                if attributes.get(name):
                    self.pieces.append(attributes[name])
            if (
                tag == "input"
                and attributes.get("type") in ("submit", "button", "reset")
                and attributes.get("value")
            ):
                self.pieces.append(attributes["value"])
        if tag not in VOID:
            self._stack.append((tag, japanese, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._stack.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data):
        if data.strip() and not self._japanese() and not self._hidden():
            self.pieces.append(data)


def visible_texts(markup: str) -> list[str]:
    parser = VisibleText()
    parser.feed(markup)
    parser.close()
    return [" ".join(piece.split()) for piece in parser.pieces]


def data_strings() -> re.Pattern:
    """Every Japanese text value stored in the site's models (and each of its lines), as one pattern, longest first."""
    values = set()
    for model in apps.get_models():
        if not model.__module__.startswith("machi.") or model._meta.app_label in NOT_DATA_APPS:
            continue
        fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.CharField | models.TextField)
            and not f.choices
            and (model._meta.app_label, model._meta.model_name, f.name) not in VOCABULARY
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if not value or not JAPANESE.search(value):
                    continue
                values.add(" ".join(value.split()))
                values.update(" ".join(line.split()) for line in value.splitlines() if line.strip())
    values.update(ON_PURPOSE)
    ordered = sorted(values, key=len, reverse=True)
    return re.compile("|".join(re.escape(v) for v in ordered))


def japanese_left(texts: list[str], data: re.Pattern) -> list[str]:
    """The texts still holding Japanese once the data is taken out, or reading as a program's leftovers
    (each shown whole, for the reader)."""
    return [
        text
        for text in texts
        if (JAPANESE.search(text) and JAPANESE.search(data.sub(" ", text))) or NOT_ENGLISH.search(text)
    ]


def failures(pages: dict[str, list[str]], data: re.Pattern) -> list[str]:
    """One line per offending text, with the Japanese left in it and the pages (a few) where it is shown."""
    where: dict[str, list[str]] = {}
    for url, texts in sorted(pages.items()):
        for text in dict.fromkeys(japanese_left(texts, data)):
            where.setdefault(text, []).append(url)
    lines = []
    for text, urls in sorted(where.items(), key=lambda item: item[1][0]):
        left = "".join(JAPANESE.findall(data.sub(" ", text))) or "".join(NOT_ENGLISH.findall(text))
        more = f" and {len(urls) - 3} more" if len(urls) > 3 else ""
        lines.append(f"{text!r} [{left}] on {', '.join(urls[:3])}{more}")
    return lines


def english_client(user=None) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def _skip(path: str) -> bool:
    return path.startswith(NOT_PAGES) or path.endswith(FILES)


@pytest.fixture
def world(kumamoto, django_user_model):
    """The crawls' world, everyone preferring English, with a lottery open for applications today."""
    world = build_world(django_user_model, language="en")
    now = timezone.now()
    month = add_months(timezone.localdate(), 4)
    world["open_lottery"] = lotteries.create_lottery(
        actor=SYSTEM,
        centre=world["centre"],
        month=month,
        applications_open_at=now - datetime.timedelta(hours=1),
        applications_close_at=now + datetime.timedelta(days=3),
        draw_at=now + datetime.timedelta(days=3, hours=1),
        confirm_by=now + datetime.timedelta(days=6),
        first_come_opens_at=now + datetime.timedelta(days=7),
        now=now,
    )
    return world


def start_urls(world) -> list[str]:
    room, centre, lottery = world["room"], world["centre"], world["lottery"]
    application = world["application"]
    return [
        "/",
        reverse("facilities:index"),
        reverse("facilities:centre", args=[centre.pk]),
        reverse("facilities:room", args=[room.pk]) + f"?month={OPEN_DAY:%Y-%m}",
        reverse("facilities:room_week", args=[room.pk]) + f"?date={OPEN_DAY:%Y-%m-%d}",
        reverse("facilities:book", args=[room.pk]) + f"?date={OPEN_DAY:%Y-%m-%d}",
        reverse("facilities:lottery-list"),
        reverse("facilities:lottery-detail", args=[lottery.pk]),
        reverse("facilities:lottery-entry", args=[lottery.pk]),
        reverse("facilities:lottery-apply", args=[world["open_lottery"].pk]),
        reverse("facilities:lottery-staff", args=[lottery.pk]),
        reverse("facilities:lottery-new"),
        reverse("facilities:manage"),
        reverse("facilities:manage_centre", args=[centre.pk]) + f"?date={OPEN_DAY:%Y-%m-%d}",
        reverse("facilities:day_sheet", args=[centre.pk]) + f"?date={OPEN_DAY:%Y-%m-%d}",
        reverse("facilities:book_on_behalf", args=[centre.pk]),
        reverse("facilities:mine"),
        reverse("grants:index"),
        reverse("grants:application", args=[application.pk]),
        reverse("grants:mine"),
        reverse("grants:manage"),
        reverse("grants:manage_application", args=[application.pk]),
        reverse("accounts:signup"),
        reverse("accounts:login"),
        reverse("accounts:password_reset"),
        reverse("accounts:profile"),
        reverse("accounts:groups"),
        reverse("accounts:tokens"),
        reverse("privacy"),
        reverse("accounts:staff_groups"),
        reverse("accounts:staff_tokens"),
        reverse("reports:city", args=[2022]),
        reverse("events_door:index"),
        reverse("events_door:event", args=[world["event"].pk]) + "?q=x",
        reverse("requests:index"),
        reverse("requests:report") + "?ward=431010",
        reverse("requests:mine"),
        reverse("requests:queue"),
        reverse("requests:staff_request", kwargs={"code": world["local_request"].service_request_id}),
    ]


def test_every_page_a_visitor_a_resident_and_staff_reach_in_english_holds_no_japanese_outside_data(world):
    people = {
        "anonymous": None,
        "resident": world["resident"],
        "ward staff": world["staff"],
        "centre manager": world["manager"],
    }
    starts = start_urls(world)
    data = data_strings()
    read: dict[str, dict[str, list[str]]] = {}
    for who, user in people.items():
        pages = crawl(english_client(user), starts, skip=_skip, read_downloads=False).html_pages()
        read[who] = {url: visible_texts(markup) for url, markup in pages.items()}

    # Pages that answer a form: a booking's review, a sign-up and a password reset sent.
    resident = english_client(world["resident"])
    answers = {
        "booking review (as resident)": resident.post(
            reverse("facilities:book", args=[world["room"].pk]),
            {
                "date": f"{OPEN_DAY:%Y-%m-%d}",
                "blocks": ["evening"],
                "purpose": "practice",
                "attendees": "5",
                "step": "review",
            },
        ),
        "sign-up sent (as anonymous)": english_client().post(
            reverse("accounts:signup"),
            {
                "email": "x@example.jp",
                "display_name": "森",
                "password1": "An0ther-secret!",
                "password2": "An0ther-secret!",
            },
            follow=True,
        ),
        "password reset sent (as anonymous)": english_client().post(
            reverse("accounts:password_reset"), {"email": "x@example.jp"}, follow=True
        ),
    }
    read["answers"] = {name: visible_texts(response.content.decode()) for name, response in answers.items()}
    assert "Check your booking" in read["answers"]["booking review (as resident)"]

    # The crawl reached each part of the site, for the people who may see it.
    assert len(read["anonymous"]) > 30, sorted(read["anonymous"])
    for must in (
        "/facilities/manage/",
        "/grants/manage/",
        "/accounts/staff/groups/",
        "/events/door/",
        "/requests/staff/431010-",
    ):
        assert any(url.startswith(must) for url in read["ward staff"]), f"staff never reached {must}"
    for must in (
        "/facilities/mine/",
        "/grants/mine/",
        "/accounts/profile/",
        "/accounts/groups/",
        "/requests/mine/",
    ):
        assert any(url.startswith(must) for url in read["resident"]), f"the resident never reached {must}"

    found = failures(
        {f"{url} (as {who})": texts for who, pages in read.items() for url, texts in pages.items()}, data
    )
    assert not found, "Japanese on English pages, outside names and data:\n" + "\n".join(found)


MAIL_TEMPLATES = sorted(
    f"{path.parent.parent.name}/emails/{path.name}"
    for path in Path(machi.__file__).parent.glob("*/templates/*/emails/*.txt")
)


def test_every_mail_to_someone_who_prefers_english_is_in_english(
    kumamoto, django_user_model, client, django_capture_on_commit_callbacks
):
    rendered = []

    def note(sender, template, context, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(note)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            # Bookings, the lottery's result, each step of a grant: everyone in the world prefers English.
            world = build_world(django_user_model, language="en")
            resident, staff = world["resident"], world["staff"]
            grants.comment(actor=staff, application=world["application"], note="写真を送ってください")
            request = RequestFactory().get("/")
            accounts_emails.send_group_decision(request, world["group"])
            resident.pending_email = "new.address@example.jp"
            accounts_emails.send_email_change(request, resident)
            # A waiting party promoted when a seat frees up.
            someone = django_user_model.objects.create_user(
                "holder", email="holder@example.jp", preferred_language="en"
            )
            event_fields = {
                "project": Project.objects.get(pk=world["project_ids"][0]),
                "kind": "course",
                "title": "防災講座",
                "title_kana": "ぼうさいこうざ",
                "capacity_seats": 1,
                "registration_opens_at": timezone.now() - datetime.timedelta(days=1),
                "registration_closes_at": timezone.now() + datetime.timedelta(days=20),
                "cancel_until": timezone.now() + datetime.timedelta(days=20),
                "sessions": [
                    (
                        timezone.now() + datetime.timedelta(days=30),
                        timezone.now() + datetime.timedelta(days=30, hours=2),
                    )
                ],
            }
            event = events.publish_event(
                actor=SYSTEM, event=events.create_event(actor=SYSTEM, **event_fields)
            )
            held = events.register(actor=someone, event=event, party_size=1)
            events.register(actor=resident, event=event, party_size=1)
            events.cancel(actor=someone, registration=held)
            # The event cancelled (中止): everyone registered is told.
            events.cancel_event(actor=SYSTEM, event=event, reason="Typhoon")
            # A group's proposed events: one approved, one declined with a reason; its representative is told.
            for decide in (
                lambda proposed: events.approve_event(actor=SYSTEM, event=proposed),
                lambda proposed: events.decline_event(actor=SYSTEM, event=proposed, reason="Add the address"),
            ):
                proposed = events.create_event(
                    actor=SYSTEM,
                    organiser_group=world["group"],
                    **(
                        event_fields
                        | {"project": world["group"].ward.programmes.get(fiscal_year=2022).projects.first()}
                    ),
                )
                Event.objects.filter(pk=proposed.pk).update(status=Event.Status.PENDING_APPROVAL)
                decide(proposed)
            # The lottery's results: one party drawn, the other waiting in drawn order.
            entrant = django_user_model.objects.create_user(
                "entrant", email="entrant@example.jp", preferred_language="en"
            )
            drawn = events.publish_event(
                actor=SYSTEM,
                event=events.create_event(actor=SYSTEM, **(event_fields | {"allocation": "lottery"})),
            )
            for person in (resident, entrant):
                events.register(actor=person, event=drawn, party_size=1)
            events.draw(
                actor=SYSTEM, event=drawn, now=drawn.registration_closes_at + datetime.timedelta(minutes=1)
            )
        # Asked for on the English pages: a new account (its language is the page's), a sign-up with a
        # registered address, a password reset.
        client.cookies["django_language"] = "en"
        for email in ("someone.new@example.jp", RESIDENT["email"]):
            with django_capture_on_commit_callbacks(execute=True):
                client.post(
                    reverse("accounts:signup"),
                    {
                        "email": email,
                        "display_name": "森 一",
                        "password1": "An0ther-secret!",
                        "password2": "An0ther-secret!",
                    },
                )
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:password_reset"), {"email": RESIDENT["email"]})
    finally:
        template_rendered.disconnect(note)

    assert len(MAIL_TEMPLATES) >= 20, MAIL_TEMPLATES
    assert sorted(set(MAIL_TEMPLATES) - set(rendered)) == [], "mail templates this test never wrote"
    assert ["someone.new@example.jp"] in [message.to for message in mail.outbox]
    # What the system writes into a mail (a confirmed amount explained, a repayment) is English too, though
    # the history keeps it in Japanese (and so, stored, it would pass as data below).
    bodies = "\n".join(message.body for message in mail.outbox)
    assert "→ confirmed amount 100,000 yen" in bodies and "Repaid 10,000 yen: " in bodies
    data = data_strings()
    found = []
    for message in mail.outbox:
        left = japanese_left([message.subject, *message.body.splitlines()], data)
        if left:
            found.append(f"{message.subject!r} to {message.to}:")
            found += [f"    {text!r}" for text in left]
    assert not found, "Japanese in mails to people who prefer English:\n" + "\n".join(found)
