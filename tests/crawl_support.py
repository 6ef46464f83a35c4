"""What the crawls share: a world where every service has been used once, and a crawler that reads
every page reachable by links.

`build_world` takes recognisable people through every service (a figure changed by staff through
the API and the admin, bookings — one on behalf of a caller —, a lottery entry, a group, a grant
from application to payment and repayment), each with free text that names someone.
`crawl` reads every URL reachable from a set of start URLs by links (href, form action, src),
following redirects, reading each path with a few different queries at most. Used by
tests/test_public_crawl.py (no person on a public page) and tests/test_english_crawl.py (no
Japanese on an English page outside names and data).
"""

import datetime
import html
import io
import json
import re
import unicodedata
import zipfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import openpyxl
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from machi.accounts import actions as accounts
from machi.accounts.actors import SYSTEM
from machi.accounts.models import RoleGrant
from machi.events import actions as events
from machi.facilities import actions as facilities
from machi.facilities import lottery as lotteries
from machi.facilities.models import Centre, Room
from machi.grants import actions as grants
from machi.grants import demo
from machi.grants.models import GrantProgramme
from machi.ledger.models import Project, Ward

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO)
OPEN_DAY = datetime.date(2027, 1, 12)  # in the month open for booking at NOW
LOTTERY_MONTH = datetime.date(2027, 3, 1)
GRANT_WINDOW = datetime.datetime(2022, 6, 1, 10, 0, tzinfo=TOKYO)

# Everything below is personal or typed inside a workflow: none of it may be published.
RESIDENT = {"name": "山田 太郎", "email": "yamada.taro.secret@example.jp", "phone": "090-1234-5678"}
STAFF = {"login": "suzuki-ichiro", "name": "鈴木 一郎", "email": "ichiro.suzuki.secret@example.jp"}
STAFF_PHONE = "096-328-9911"
ADMIN = {"login": "sato-hanako-admin", "name": "佐藤 花子", "email": "hanako.sato.secret@example.jp"}
MANAGER = {"login": "kanri-goro", "name": "伊藤 五郎", "email": "goro.ito.secret@example.jp"}
CALLER = {"name": "田中 三郎", "phone": "080-9876-5432"}
MEMBER = "高橋 四郎"
API_REASON = f"鈴木一郎が確認（{STAFF_PHONE}）した決算の見込み"
ADMIN_REASON = "佐藤花子の指示で増額、問合せ 03-5555-0101"
REPAYMENT_REASON = f"代表の山田太郎（{RESIDENT['phone']}）から領収書のない経費の申し出"
GRANT_TITLE = "ひみつの防災マップ作り"
GRANT_PLAN = "山田太郎の自宅を起点に危険箇所を歩く"
BOOKING_PURPOSE = "田中三郎の米寿のお祝い"
DECISION_CONDITIONS = "鈴木一郎あてに写真を送ること"
SHORTFALL_REASON = f"鈴木一郎の判断で減額（{STAFF_PHONE}）"
# 西区 No.2 has 54,000 yen left (the seed's 決算額 is the year's end): the decision states why it goes beyond.
OVERDRAW_REASON = f"鈴木一郎が3月補正を確認（{STAFF_PHONE}）"

SECRETS = [
    *RESIDENT.values(),
    *STAFF.values(),
    STAFF_PHONE,
    *ADMIN.values(),
    *MANAGER.values(),
    *CALLER.values(),
    MEMBER,
    API_REASON,
    ADMIN_REASON,
    REPAYMENT_REASON,
    GRANT_TITLE,
    GRANT_PLAN,
    BOOKING_PURPOSE,
    DECISION_CONDITIONS,
    SHORTFALL_REASON,
    OVERDRAW_REASON,
]

_NOISE = re.compile(r"[\s\-‐‑‒–—―−－ー]+")


def normal(text: str) -> str:
    """NFKC, lower case, without spaces and hyphens: how a name or phone is looked for."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", html.unescape(text)).lower())


def build_world(django_user_model, *, language: str = "ja") -> dict:
    """Every service used once by people who must stay private; returns what a crawl starts from.

    Needs the `kumamoto` fixture. `language`: every person's preferred language, so their mails
    are written in it.
    """
    demo.load(actor=SYSTEM)
    chuo, nishi = Ward.objects.get(name="中央区"), Ward.objects.get(name="西区")

    # A resident signs up on the web (the username is the email address) and fills in the profile.
    resident = accounts.sign_up(
        email=RESIDENT["email"], password="Kumamoto-2022-secret", display_name=RESIDENT["name"]
    )
    resident = accounts.verify_email(accounts.email_verification_token(resident))
    resident = accounts.update_profile(
        actor=resident, user=resident, phone=RESIDENT["phone"], home_ward=chuo, preferred_language=language
    )
    staff = django_user_model.objects.create_user(
        STAFF["login"],
        email=STAFF["email"],
        display_name=STAFF["name"],
        phone=STAFF_PHONE,
        is_staff=True,
        preferred_language=language,
    )
    for ward in (chuo, nishi):
        RoleGrant.objects.create(user=staff, role="ward-staff", ward=ward)
    admin = django_user_model.objects.create_user(
        ADMIN["login"],
        email=ADMIN["email"],
        display_name=ADMIN["name"],
        is_staff=True,
        is_superuser=True,
        preferred_language=language,
    )
    RoleGrant.objects.create(user=admin, role="city-admin")

    # A ledger figure changed by staff through the API, and by the city administrator in the admin.
    api_project = Project.objects.filter(programme__ward=chuo, programme__fiscal_year=2022).order_by("id")[0]
    _, plain = accounts.create_token(actor=SYSTEM, user=staff)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {plain}").patch(
        f"/api/projects/{api_project.pk}",
        json.dumps({"settled": 1_234_000, "reason": API_REASON}, ensure_ascii=False),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    admin_project = Project.objects.filter(programme__ward=nishi, programme__fiscal_year=2022).order_by("id")[
        0
    ]
    admin_client = Client()
    admin_client.force_login(admin)
    url = reverse("admin:ledger_project_change", args=[admin_project.pk])
    form = admin_client.get(url)
    response = admin_client.post(url, form_data(form, initial_yen="9,999", change_reason=ADMIN_REASON))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors

    # A group registered by the resident and approved by staff, with a listed member.
    group = accounts.register_group(
        actor=resident,
        name="白川一丁目まちづくりの会",
        name_kana="しらかわいっちょうめまちづくりのかい",
        kind="circle",
        ward=nishi,
        members=[(MEMBER, "たかはし しろう")],
    )
    group = accounts.review_group(actor=staff, group=group, approve=True)

    # Bookings: the resident's own, and one taken by the centre's manager for a caller by phone.
    centre = facilities.save_centre(
        actor=SYSTEM, centre=Centre(ward=chuo, name="白川地域コミュニティセンター", phone="096-000-0000")
    )
    room = Room.objects.create(centre=centre, name="和室", capacity=20, fee_per_block_yen=600)
    manager = django_user_model.objects.create_user(
        MANAGER["login"], email=MANAGER["email"], display_name=MANAGER["name"], preferred_language=language
    )
    RoleGrant.objects.create(user=manager, role="centre-manager", centre=centre)
    own = facilities.book(
        actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], purpose=BOOKING_PURPOSE, now=NOW
    )
    facilities.book(
        actor=manager,
        room=room,
        date=OPEN_DAY,
        block_codes=["afternoon"],
        holder_name=CALLER["name"],
        holder_phone=CALLER["phone"],
        purpose=BOOKING_PURPOSE,
        now=NOW,
    )
    assert own.holder == resident

    # A lottery entry, drawn.
    lottery = lotteries.create_lottery(
        actor=SYSTEM,
        centre=centre,
        month=LOTTERY_MONTH,
        max_choices=3,
        now=NOW,
        **lotteries.default_schedule(centre, LOTTERY_MONTH),
    )
    lotteries.apply(
        actor=resident,
        lottery=lottery,
        choices=[(room, datetime.date(2027, 3, 9), ["evening"])],
        now=lottery.applications_open_at + datetime.timedelta(hours=1),
    )
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=lottery.draw_at)

    # A grant from application to payment and a repayment whose reason names the representative.
    programme = GrantProgramme.objects.get(ward=nishi, fiscal_year=2022)
    track = programme.tracks.get(name="身近な課題解決対応")

    def line(yen):
        category = programme.categories.get(name="謝礼金")
        return grants.ExpenseInput(category=category, description=f"{MEMBER}への謝礼", amount_yen=yen)

    application = grants.save_draft(
        actor=resident,
        programme=programme,
        track=track,
        group=group,
        title=GRANT_TITLE,
        plan=GRANT_PLAN,
        expenses=[line(300_000)],
    )
    grants.submit(actor=resident, application=application, now=GRANT_WINDOW)
    grants.start_review(actor=staff, application=application)
    grants.decide(
        actor=staff,
        application=application,
        amount_yen=100_000,
        conditions=DECISION_CONDITIONS,
        overdraw_reason=OVERDRAW_REASON,
    )
    grants.report_results(actor=resident, application=application, expenses=[line(300_000)])
    grants.confirm_amount(actor=staff, application=application)
    grants.pay(actor=staff, application=application)
    grants.record_repayment(actor=staff, application=application, amount_yen=10_000, reason=REPAYMENT_REASON)

    # The grant's project cut below what the grant holds, with the reason staff give for it.
    response = Client(HTTP_AUTHORIZATION=f"Bearer {plain}").patch(
        f"/api/projects/{programme.project_id}",
        json.dumps({"revised": 1_000, "reason": "減額", "below_commitments_reason": SHORTFALL_REASON}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content

    # An event of the ward: the resident registers a party, staff register a caller by phone.
    now = datetime.datetime.now(tz=ZoneInfo("Asia/Tokyo"))
    event_starts = now + datetime.timedelta(days=30)
    event = events.publish_event(
        actor=staff,
        event=events.create_event(
            actor=staff,
            project=api_project,
            kind="course",
            title="防災講座",
            title_kana="ぼうさいこうざ",
            capacity_seats=3,
            max_party=2,
            registration_opens_at=now - datetime.timedelta(days=1),
            registration_closes_at=event_starts - datetime.timedelta(days=1),
            cancel_until=event_starts - datetime.timedelta(days=1),
            sessions=[(event_starts, event_starts + datetime.timedelta(hours=2))],
        ),
    )
    events.register(actor=resident, event=event, party_size=2)
    events.register(actor=staff, event=event, party_size=2, caller=(CALLER["name"], "", CALLER["phone"]))

    # A residents' request: the resident reports a problem with words that name someone; staff answer it
    # with a public note and an internal one (the public pages show neither the words nor the name).
    from machi.requests import actions as requests_actions
    from machi.requests.models import Category

    category = Category.objects.create(
        ward=chuo, code="crawl-light", name="街灯の故障", group="道路・街灯", fund=api_project
    )
    local_request = requests_actions.submit_request(
        actor=resident,
        category=category,
        description=f"{RESIDENT['name']}の家の前の街灯が消えています",
        latitude="32.803100",
        longitude="130.707900",
        address="中央区手取本町1-1",
    )
    requests_actions.change_status(
        actor=staff,
        request=local_request,
        to="in_progress",
        expected_version=local_request.version,
        public_note="電球の交換を手配しました",
        internal_note=f"{RESIDENT['name']}さんに電話済",
    )

    return {
        "local_request": local_request,
        "event": event,
        "project_ids": [api_project.pk, admin_project.pk, programme.project_id],
        "room": room,
        "centre": centre,
        "lottery": lottery,
        "application": application,
        "wards": (chuo, nishi),
        "resident": resident,
        "staff": staff,
        "admin": admin,
        "manager": manager,
        "group": group,
    }


def form_data(response, **changes) -> dict:
    """What a browser posts back from an admin change form as shown, with some fields changed."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- Reading what a response holds ------------------------------------------------------------


def texts_of(name: str, content: bytes, content_type: str) -> list[str]:
    """The readable text of a file of any kind the site serves (a zip: each member's)."""
    kind = content_type.split(";")[0].strip().lower()
    if name.endswith(".zip") or kind == "application/zip":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            texts = []
            for member in archive.namelist():
                texts += texts_of(member, archive.read(member), "")
            return texts
    if name.endswith(".xlsx") or "spreadsheetml" in kind:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        cells = [
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
        ]
        return [" ".join(v for v in cells if v != "None")]
    if name.endswith(".pdf") or kind == "application/pdf":
        reader = PdfReader(io.BytesIO(content))
        return [page.extract_text() or "" for page in reader.pages] + [str(reader.metadata or "")]
    if name.endswith(".json") or kind == "application/json":  # \u escapes read as the characters
        return [json.dumps(json.loads(content), ensure_ascii=False)]
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return [content.decode(encoding)]
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{name}: a file of an unknown kind ({content_type})")


def links(page: str, base: str) -> list[str]:
    found = []
    for href in re.findall(r"""(?:href|action|src)\s*=\s*["']([^"']+)["']""", page):
        url = urljoin(base, html.unescape(href)).split("#")[0]
        parts = urlsplit(url)
        if parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver") and url:
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


VARIANTS_PER_PATH = 3  # a calendar's next-week links never end: each path is read with a few queries
DOWNLOADS = (".csv", ".xlsx", ".pdf", ".zip", ".ics", ".json")


@dataclass
class Crawl:
    """What a crawl read: each URL's texts (an HTML page's first text is its markup) and content type."""

    texts: dict[str, list[str]] = field(default_factory=dict)
    content_types: dict[str, str] = field(default_factory=dict)

    def html_pages(self) -> dict[str, str]:
        """{url: markup} of every HTML page read."""
        return {
            url: texts[0]
            for url, texts in self.texts.items()
            if self.content_types[url].startswith("text/html")
        }


def crawl(
    client: Client,
    starts: list[str],
    *,
    skip: Callable[[str], bool] = lambda path: False,
    read_downloads: bool = True,
) -> Crawl:
    """Every URL reachable from the starts by links, for the client's visitor.

    `skip(path)` leaves a path unread (and unfollowed); without `read_downloads`, files (CSV, XLSX,
    PDF …) are fetched but not read.
    """
    seen, read = set(), Crawl()
    variants: dict[str, int] = {}
    queue = deque(starts)
    while queue:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in seen or path.startswith(("/static/", "/i18n/")) or skip(path):
            continue
        if "?" in url:
            if variants.get(path, 0) >= VARIANTS_PER_PATH:
                continue
            variants[path] = variants.get(path, 0) + 1
        seen.add(url)
        response = client.get(url)
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append(response["Location"])
            continue
        content_type = response.get("Content-Type", "")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        is_html = content_type.startswith("text/html")
        if not is_html and not read_downloads:
            texts = [""]
        else:
            texts = texts_of(path, content, content_type) if content else [""]
        read.texts[url] = texts
        read.content_types[url] = content_type
        if is_html:
            queue.extend(links(texts[0], url))
    return read
