"""The public sees roles, never people: a crawl of everything an anonymous visitor can reach.

People with recognisable names, emails and phones go through every service (a figure changed
by staff through the API and the admin, bookings — one on behalf of a caller —, a lottery
entry, a group, a grant from application to payment and repayment), each with free text that
names someone. Then every public page reachable by links from `/`, every public read of the API
(from its OpenAPI description), the room's iCal feed and every report download (CSV, XLSX, PDF,
the open-data zip) is read, and none of those names, addresses, phones, usernames or free texts
may appear in any of them: compared after NFKC, without spaces and hyphens, so 090-1234-5678
is found as ０９０１２３４５６７８ too.
"""

import datetime
import html
import io
import json
import re
import unicodedata
import zipfile
from collections import deque
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from machi.accounts import actions as accounts
from machi.accounts.actors import SYSTEM
from machi.accounts.models import RoleGrant
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


@pytest.fixture
def world(kumamoto, django_user_model):
    """Every service used once by people who must stay private; returns what the crawl starts from."""
    demo.load(actor=SYSTEM)
    chuo, nishi = Ward.objects.get(name="中央区"), Ward.objects.get(name="西区")

    # A resident signs up on the web (the username is the email address) and fills in the profile.
    resident = accounts.sign_up(
        email=RESIDENT["email"], password="Kumamoto-2022-secret", display_name=RESIDENT["name"]
    )
    resident = accounts.verify_email(accounts.email_verification_token(resident))
    resident = accounts.update_profile(actor=resident, user=resident, phone=RESIDENT["phone"], home_ward=chuo)
    staff = django_user_model.objects.create_user(
        STAFF["login"], email=STAFF["email"], display_name=STAFF["name"], phone=STAFF_PHONE, is_staff=True
    )
    for ward in (chuo, nishi):
        RoleGrant.objects.create(user=staff, role="ward-staff", ward=ward)
    admin = django_user_model.objects.create_user(
        ADMIN["login"], email=ADMIN["email"], display_name=ADMIN["name"], is_staff=True, is_superuser=True
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
    response = admin_client.post(url, _form_data(form, initial_yen="9,999", change_reason=ADMIN_REASON))
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
        MANAGER["login"], email=MANAGER["email"], display_name=MANAGER["name"]
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

    return {
        "project_ids": [api_project.pk, admin_project.pk, programme.project_id],
        "room": room,
        "centre": centre,
        "lottery": lottery,
        "application": application,
        "wards": (chuo, nishi),
    }


def _form_data(response, **changes) -> dict:
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


def _texts_of(name: str, content: bytes, content_type: str) -> list[str]:
    """The readable text of a file of any kind the site serves (a zip: each member's)."""
    kind = content_type.split(";")[0].strip().lower()
    if name.endswith(".zip") or kind == "application/zip":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            texts = []
            for member in archive.namelist():
                texts += _texts_of(member, archive.read(member), "")
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


def _links(page: str, base: str) -> list[str]:
    found = []
    for href in re.findall(r"""(?:href|action|src)\s*=\s*["']([^"']+)["']""", page):
        url = urljoin(base, html.unescape(href)).split("#")[0]
        parts = urlsplit(url)
        if parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver") and url:
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


VARIANTS_PER_PATH = 3  # a calendar's next-week links never end: each path is read with a few queries


def _crawl(client: Client, starts: list[str]) -> dict[str, list[str]]:
    """Every URL reachable from the starts by links, for an anonymous visitor: {url: texts}."""
    seen, read = set(), {}
    variants: dict[str, int] = {}
    queue = deque(starts)
    while queue:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in seen or path.startswith(("/static/", "/i18n/")):
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
        texts = _texts_of(path, content, content_type) if content else [""]
        read[url] = texts
        if content_type.startswith("text/html"):
            queue.extend(_links(texts[0], url))
    return read


def _public_api_urls(client: Client, world) -> list[str]:
    """Every GET of the OpenAPI description that needs no authentication, with the world's ids."""
    schema = client.get("/api/openapi.json").json()
    values = {
        "project_id": world["project_ids"],
        "room_id": [world["room"].pk],
        "centre_id": [world["centre"].pk],
        "programme_id": list(GrantProgramme.objects.values_list("pk", flat=True)),
    }
    urls = []
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None or operation.get("security"):
            continue
        query = (
            "?from=2027-01-11&to=2027-01-17" if "from" in json.dumps(operation.get("parameters", [])) else ""
        )
        names = re.findall(r"{(\w+)}", path)
        assert set(names) <= set(values), f"{path}: no ids to try for {set(names) - set(values)}"
        expanded = [path]
        for name in names:
            expanded = [p.replace(f"{{{name}}}", str(v)) for p in expanded for v in values[name]]
        urls += [p + query for p in expanded]
    return urls


def test_no_public_page_feed_api_answer_or_download_names_a_person_or_repeats_free_text(world):
    client = Client()
    room, lottery = world["room"], world["lottery"]
    starts = [
        "/",
        reverse("facilities:room_week", args=[room.pk]) + f"?date={OPEN_DAY:%Y-%m-%d}",
        reverse("facilities:room", args=[room.pk]) + "?month=2027-01",
        reverse("facilities:room_feed", args=[room.pk]),
        reverse("facilities:lottery-detail", args=[lottery.pk]),
        reverse("facilities:lottery-log", args=[lottery.pk]),
        *(reverse("ledger:project", args=[pk]) for pk in world["project_ids"]),
    ]
    api_urls = _public_api_urls(client, world)
    read = _crawl(client, starts + api_urls)

    # The crawl reached what it must have: the projects, the feeds, the API and each kind of download.
    for must in [*starts, *api_urls]:
        assert must in read, f"not read: {must}"
    suffixes = {urlsplit(url).path.rsplit(".", 1)[-1] for url in read}
    assert {"csv", "xlsx", "pdf", "zip", "ics", "json"} <= suffixes, suffixes
    leaks = []
    for url, texts in read.items():
        text = normal(" ".join(texts))
        leaks += [(url, secret) for secret in SECRETS if normal(secret) in text]
    assert not leaks, "\n".join(f"{url}: {secret}" for url, secret in leaks)

    # What the public is told instead: the posting's kind and number, and the office.
    project_page = normal(" ".join(read[reverse("ledger:project", args=[world["project_ids"][2]])]))
    number = world["application"].number
    assert normal(f"補助金の支払い（申請番号 {number}）") in project_page
    assert normal(f"補助金の返還（申請番号 {number}）") in project_page
    assert normal("西区役所") in project_page
    nishi_report = normal(" ".join(read[reverse("reports:ward", args=[2022, world["wards"][1].code])]))
    assert normal("理由は区が記録しています") in nishi_report
