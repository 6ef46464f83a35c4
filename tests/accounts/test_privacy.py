"""A person's rights over their data: the download (JSON and a ZIP of CSVs), the account's deletion,
the retention task, and the privacy page. The person's rows come from every app: the account,
a group, a token, bookings, a lottery entry, a grant application with its expenses and files."""

import csv
import datetime
import io
import json
import re
import zipfile

import pytest
from django.core.management import call_command
from django.utils import timezone

from machi.accounts import actions
from machi.accounts.actors import SYSTEM
from machi.accounts.models import ApiToken, CommunityGroup, GroupMember
from machi.accounts.privacy import ERASED, anonymise_expired, retention_cutoff
from machi.audit.models import AuditEntry
from machi.facilities.models import Centre, Lottery, LotteryEntry, Reservation, Room
from machi.facilities.stats import usage
from machi.grants import demo
from machi.grants.models import Application, Attachment, ExpenseLine, GrantProgramme, Payment
from machi.ledger.models import Ward

TOKYO = timezone.get_default_timezone()
PASSWORD = "kumamoto-castle-2022"
PDF = b"%PDF-1.4 receipt"


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TOKYO)


@pytest.fixture
def world(kumamoto, django_user_model):
    """Hanako and Jiro, each with an account, a group, a token, bookings, a lottery entry and a grant."""
    demo.load(actor=SYSTEM)
    nishi = Ward.objects.get(name="西区")
    centre = Centre.objects.create(ward=nishi, name="島崎地域コミュニティセンター")
    room = Room.objects.create(centre=centre, name="和室", capacity=20, fee_per_block_yen=600)
    programme = GrantProgramme.objects.get(ward=nishi, fiscal_year=2022)
    track = programme.tracks.order_by("position").first()
    category = programme.categories.order_by("position").first()
    lottery = Lottery.objects.create(
        centre=centre,
        month=datetime.date(2022, 9, 1),
        applications_open_at=at(2022, 7, 1, 9),
        applications_close_at=at(2022, 7, 20, 17),
        draw_at=at(2022, 7, 25, 10),
        confirm_by=at(2022, 8, 5, 17),
        first_come_opens_at=at(2022, 8, 10, 9),
        seed="0" * 64,
        seed_digest="1" * 64,
        drawn_at=at(2022, 7, 25, 10),
    )
    representative = django_user_model.objects.create_user("daihyo", email="daihyo@example.jp")
    people = {}
    for username, name, phone, group_name in (
        ("hanako", "熊本 花子", "090-1111-2222", "島崎校区自治協議会"),
        ("jiro", "西 次郎", "090-3333-4444", "城山校区自治協議会"),
    ):
        person = django_user_model.objects.create_user(
            username,
            email=f"{username}@example.jp",
            password=PASSWORD,
            display_name=name,
            name_kana="くまもと はなこ" if username == "hanako" else "にし じろう",
            phone=phone,
            home_ward=nishi,
        )
        group = CommunityGroup.objects.create(
            name=group_name, kind="kouku", ward=nishi, representative=representative, status="approved"
        )
        GroupMember.objects.create(group=group, name=name, user=person)
        actions.create_token(actor=person, user=person, name=f"{username}の集計")
        Reservation.objects.create(
            room=room,
            date=datetime.date(2022, 6, 5),
            status="confirmed",
            holder=person,
            holder_name=name,
            holder_phone=phone,
            purpose=f"{name}の書道教室",
            attendees=12,
            fee_yen=1200,
            exemption_yen=200,
        )
        Reservation.objects.create(
            room=room,
            date=datetime.date(2022, 6, 6),
            status="declined",
            holder=person,
            holder_name=name,
            purpose="会議",
            fee_yen=600,
            decline_reason=f"{name}さんは先月も利用",
            on_behalf=True,
        )
        LotteryEntry.objects.create(lottery=lottery, applicant=person, group=group)
        application = Application.objects.create(
            programme=programme,
            track=track,
            group=group,
            applicant=person,
            title=f"{group_name}の防災マップ",
            plan=f"{name}が講師を務める",
            schedule="2022年7月",
            status="paid",
            computed_yen=200_000,
            cap_yen=200_000,
            decided_yen=200_000,
            confirmed_yen=180_000,
        )
        ExpenseLine.objects.create(
            application=application,
            phase="actual",
            category=category,
            description=f"講師 {name} 謝礼",
            amount_yen=540_000,
        )
        Attachment.objects.create(
            application=application,
            kind="receipt",
            name=f"領収書_{username}.pdf",
            content_type="application/pdf",
            size=len(PDF),
            content=PDF,
            uploaded_by=person,
        )
        Payment.objects.create(application=application, amount_yen=180_000, paid_at=at(2023, 3, 10, 10))
        people[username] = person
    return {**people, "centre": centre, "room": room, "representative": representative, "lottery": lottery}


def _flatten(sections: dict) -> str:
    return json.dumps(sections, ensure_ascii=False)


# --- The download ----------------------------------------------------------------------


def test_the_json_download_holds_the_persons_data_from_every_app_and_no_one_elses(client, world):
    client.force_login(world["hanako"])
    response = client.get("/accounts/profile/data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sections = json.loads(response.content)["sections"]

    [account] = sections["account"]
    assert (account["username"], account["email"], account["display_name"]) == (
        "hanako",
        "hanako@example.jp",
        "熊本 花子",
    )
    assert (account["name_kana"], account["phone"], account["home_ward"]) == (
        "くまもと はなこ",
        "090-1111-2222",
        "西区",
    )
    assert account["residency_verified"] is False
    assert [g["name"] for g in sections["groups"]] == ["島崎校区自治協議会"]
    assert [t["name"] for t in sections["api_tokens"]] == ["hanakoの集計"]
    assert "digest" not in sections["api_tokens"][0]
    bookings = sections["bookings"]
    assert [(b["date"], b["status"], b["fee_yen"], b["on_behalf"]) for b in bookings] == [
        ("2022-06-05", "confirmed", 1200, False),
        ("2022-06-06", "declined", 600, True),
    ]
    assert bookings[0]["purpose"] == "熊本 花子の書道教室"
    assert [e["lottery__month"] for e in sections["lottery_entries"]] == ["2022-09-01"]
    [application] = sections["grant_applications"]
    assert (application["plan"], application["payment__amount_yen"]) == ("熊本 花子が講師を務める", 180_000)
    assert application["number"] == f"G2022-{application['id']:05d}"
    assert [e["amount_yen"] for e in sections["grant_expenses"]] == [540_000]
    assert [a["name"] for a in sections["grant_attachments"]] == ["領収書_hanako.pdf"]
    assert "content" not in sections["grant_attachments"][0]
    assert any(entry["action"] == "accounts.create_token" for entry in sections["audit"])

    text = _flatten(sections)
    for other in ("jiro", "西 次郎", "090-3333-4444", "城山校区", "daihyo"):
        assert other not in text


def test_the_zip_holds_one_csv_per_section_that_reads_back(client, world):
    client.force_login(world["hanako"])
    response = client.get("/accounts/profile/data.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {
        "account.csv",
        "bookings.csv",
        "lottery_entries.csv",
        "grant_applications.csv",
        "audit.csv",
    } <= names

    def read(name):
        return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))

    [account] = read("account.csv")
    assert (account["email"], account["phone"]) == ("hanako@example.jp", "090-1111-2222")
    assert [(b["date"], b["fee_yen"], b["holder_name"]) for b in read("bookings.csv")] == [
        ("2022-06-05", "1200", "熊本 花子"),
        ("2022-06-06", "600", "熊本 花子"),
    ]
    [expense] = read("grant_expenses.csv")
    assert expense["description"] == "講師 熊本 花子 謝礼"
    everything = "".join(archive.read(name).decode("utf-8-sig") for name in names)
    assert "jiro" not in everything and "西 次郎" not in everything


def test_the_download_is_audited_and_needs_a_login(client, world):
    assert client.get("/accounts/profile/data.json").status_code == 302
    client.force_login(world["hanako"])
    client.get("/accounts/profile/data.zip")
    [entry] = AuditEntry.objects.filter(action="accounts.export_personal_data")
    assert entry.actor == world["hanako"] and entry.object_id == str(world["hanako"].pk)
    assert entry.after == {"kind": "view", "people": [world["hanako"].pk], "format": "zip"}


def test_the_profile_links_to_the_download_the_deletion_and_the_privacy_page(client, world):
    client.force_login(world["hanako"])
    page = client.get("/accounts/profile/").content.decode()
    assert "登録情報のダウンロード" in page
    for address in (
        "/accounts/profile/data.json",
        "/accounts/profile/data.zip",
        "/accounts/profile/delete/",
        "/privacy/",
    ):
        assert f'href="{address}"' in page


# --- Deleting the account --------------------------------------------------------------


def test_deleting_the_account_erases_the_person_everywhere_and_keeps_the_money(client, world):
    hanako, jiro = world["hanako"], world["jiro"]
    june = (datetime.date(2022, 6, 1), datetime.date(2022, 6, 30))
    bookings_before = [r.bookings for r in usage([world["centre"]], *june).rooms]
    audit_before = set(AuditEntry.objects.values_list("pk", "action", "actor_id"))
    type(hanako).objects.filter(pk=hanako.pk).update(
        pending_email="hanako.new@example.jp"
    )  # a change unconfirmed
    client.force_login(hanako)

    page = client.get("/accounts/profile/delete/")
    assert page.status_code == 200
    assert "消去されるもの" in page.content.decode() and "残るもの" in page.content.decode()
    response = client.post("/accounts/profile/delete/", {"password": PASSWORD})
    assert response.status_code == 200
    assert "アカウントを削除しました" in response.content.decode()

    hanako.refresh_from_db()
    assert hanako.username == f"deleted-{hanako.pk}"
    assert (hanako.email, hanako.pending_email, hanako.display_name, hanako.name_kana, hanako.phone) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert hanako.home_ward is None and not hanako.is_active and not hanako.has_usable_password()
    assert not ApiToken.objects.filter(user=hanako, revoked_at__isnull=True).exists()
    assert not GroupMember.objects.filter(user=hanako).exists()
    assert not GroupMember.objects.filter(name="熊本 花子").exists()

    kept, declined = Reservation.objects.filter(holder=hanako).order_by("date")
    assert (kept.holder_name, kept.holder_phone, kept.purpose) == ("", "", "")
    assert (kept.date, kept.status, kept.fee_yen, kept.exemption_yen, kept.attendees) == (
        datetime.date(2022, 6, 5),
        "confirmed",
        1200,
        200,
        12,
    )
    assert declined.status == "declined" and declined.decline_reason == ERASED
    application = Application.objects.get(applicant=hanako)
    assert (application.plan, application.schedule) == ("", "")
    assert (application.decided_yen, application.confirmed_yen, application.payment.amount_yen) == (
        200_000,
        180_000,
        180_000,
    )
    [line] = application.expenses.all()
    assert (line.description, line.amount_yen) == (ERASED, 540_000)
    assert LotteryEntry.objects.filter(applicant=hanako).count() == 1

    # The statistics count the same bookings; the audit log lost nothing and names no erased value.
    assert [r.bookings for r in usage([world["centre"]], *june).rooms] == bookings_before
    assert audit_before <= set(AuditEntry.objects.values_list("pk", "action", "actor_id"))
    deleted = AuditEntry.objects.get(action="accounts.delete_account")
    assert "熊本" not in json.dumps(deleted.after, ensure_ascii=False)
    assert (
        deleted.actor.get_username() == f"deleted-{hanako.pk}"
        and str(deleted.actor) == "（削除済みの利用者）"
    )
    # Jiro is untouched.
    jiro.refresh_from_db()
    assert jiro.email == "jiro@example.jp"
    assert Reservation.objects.filter(holder=jiro, purpose="西 次郎の書道教室").exists()
    assert Application.objects.get(applicant=jiro).plan == "西 次郎が講師を務める"
    # Signed out, and the old password opens nothing.
    assert client.get("/accounts/profile/").status_code == 302


def test_a_wrong_password_deletes_nothing(client, world):
    client.force_login(world["hanako"])
    response = client.post("/accounts/profile/delete/", {"password": "not-my-password"})
    assert response.status_code == 400
    assert "パスワードが正しくありません" in response.content.decode()
    world["hanako"].refresh_from_db()
    assert world["hanako"].email == "hanako@example.jp"


def test_deletion_is_refused_with_its_reasons_while_the_person_is_still_needed(client, world):
    hanako = world["hanako"]
    Reservation.objects.create(
        room=world["room"],
        date=timezone.localdate() + datetime.timedelta(days=10),
        status="confirmed",
        holder=hanako,
        fee_yen=600,
    )
    Application.objects.filter(applicant=hanako).update(status="reported")
    CommunityGroup.objects.create(
        name="花子の会", kind="circle", ward=Ward.objects.get(name="西区"), representative=hanako
    )
    client.force_login(hanako)

    page = client.get("/accounts/profile/delete/").content.decode()
    assert "いまは削除できません" in page
    response = client.post("/accounts/profile/delete/", {"password": PASSWORD})
    assert response.status_code == 400
    text = response.content.decode()
    assert "これからの予約が1件あります" in text
    assert "団体「花子の会」の代表者です" in text
    number = Application.objects.get(applicant=hanako).number
    assert f"補助金の申請 {number} が手続き中です" in text
    hanako.refresh_from_db()
    assert hanako.is_active and hanako.email == "hanako@example.jp"
    assert not AuditEntry.objects.filter(
        action__in=["accounts.delete_account", "facilities.anonymise_reservation"]
    ).exists()


def test_deletion_is_refused_to_staff(client, world, ward_staff):
    staff = ward_staff("nishi-staff", Ward.objects.get(name="西区"))
    staff.set_password(PASSWORD)
    staff.save()
    client.force_login(staff)
    response = client.post("/accounts/profile/delete/", {"password": PASSWORD})
    assert response.status_code == 400
    assert "職員・管理者の役割をお持ちです" in response.content.decode()


# --- Retention -------------------------------------------------------------------------


def test_the_retention_cutoff_keeps_three_fiscal_years_after_the_rows_own():
    assert retention_cutoff(datetime.date(2026, 3, 31)) == datetime.date(2022, 4, 1)
    assert retention_cutoff(datetime.date(2026, 4, 1)) == datetime.date(2023, 4, 1)


def test_the_retention_task_anonymises_only_expired_rows_once(world):
    room, jiro = world["room"], world["jiro"]
    recent = Reservation.objects.create(
        room=room,
        date=datetime.date(2023, 4, 1),
        status="confirmed",
        holder=jiro,
        holder_name="西 次郎",
        purpose="FY2023の利用",
        fee_yen=600,
    )
    # FY2025 is still in its third year after FY2022: nothing is due.
    assert anonymise_expired(actor=SYSTEM, today=datetime.date(2026, 3, 31)) == {
        "facilities": 0,
        "grants": 0,
        "events": 0,
        "requests": 0,
    }
    assert anonymise_expired(actor=SYSTEM, today=datetime.date(2026, 4, 1), dry_run=True) == {
        "facilities": 6,  # four bookings and two lottery entries
        "grants": 2,
        "events": 0,
        "requests": 0,
    }
    assert Reservation.objects.filter(holder__isnull=False).count() == 5  # the dry run changed nothing

    assert anonymise_expired(actor=SYSTEM, today=datetime.date(2026, 4, 1)) == {
        "facilities": 6,
        "grants": 2,
        "events": 0,
        "requests": 0,
    }
    old = Reservation.objects.filter(date__lt=datetime.date(2023, 4, 1))
    assert {(r.holder_id, r.holder_name, r.holder_phone, r.purpose) for r in old} == {(None, ERASED, "", "")}
    assert sorted(old.values_list("fee_yen", flat=True)) == [600, 600, 1200, 1200]
    assert set(Application.objects.values_list("plan", flat=True)) == {""}
    assert set(Payment.objects.values_list("amount_yen", flat=True)) == {180_000}
    recent.refresh_from_db()
    assert (recent.holder, recent.purpose) == (jiro, "FY2023の利用")
    assert AuditEntry.objects.filter(action="facilities.anonymise_reservation").count() == 4
    assert set(LotteryEntry.objects.values_list("applicant", flat=True)) == {None}
    assert set(LotteryEntry.objects.values_list("group__name", flat=True)) == {
        "島崎校区自治協議会",
        "城山校区自治協議会",
    }
    labels = AuditEntry.objects.filter(action__startswith="facilities.anonymise").values_list(
        "object_repr", flat=True
    )
    assert not [label for label in labels if "花子" in label or "次郎" in label]

    assert anonymise_expired(actor=SYSTEM, today=datetime.date(2026, 4, 1)) == {
        "facilities": 0,
        "grants": 0,
        "events": 0,
        "requests": 0,
    }
    assert AuditEntry.objects.filter(action="facilities.anonymise_reservation").count() == 4


def test_the_command_prints_the_counts(world, capsys):
    call_command("privacy", "anonymise", "--dry-run", "--today", "2026-04-01")
    out = capsys.readouterr().out
    assert "保存期間: 3年度" in out and "facilities: 6" in out and "grants: 2" in out
    assert Reservation.objects.filter(holder__isnull=False).count() == 4
    call_command("privacy", "anonymise", "--today", "2026-04-01")
    capsys.readouterr()
    call_command("privacy", "anonymise", "--today", "2026-04-01")
    again = capsys.readouterr().out
    assert "facilities: 0" in again and "grants: 0" in again and "events: 0" in again


def test_the_command_refuses_a_date_it_cannot_read_in_one_line(command_env):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "machi.cli", "privacy", "anonymise", "--today", "2026-13-01"],
        env=command_env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "日付は YYYY-MM-DD で指定してください" in done.stderr and "Traceback" not in done.stderr


# --- The privacy page ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_privacy_page_says_what_is_kept_and_for_how_long_in_japanese_and_english(client, settings):
    settings.MACHI_RETENTION_FISCAL_YEARS = 5
    page = client.get("/privacy/").content.decode()
    assert "個人情報の取扱い" in page and "5年度が過ぎるまで保存" in page
    assert "監査ログに記録されます" in page
    assert 'href="/privacy/"' in client.get("/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/privacy/").content.decode()
    assert "Personal data" in english and "5 fiscal years" in english
    assert "個人情報の取扱い" not in english
    assert not re.findall(r"[\u3040-\u30ff]+", english)  # no kana: every sentence is translated


def test_the_deletion_page_speaks_english_when_asked(client, world):
    client.force_login(world["hanako"])
    client.cookies["django_language"] = "en"
    page = client.get("/accounts/profile/delete/").content.decode()
    assert "What is erased" in page and "What is kept" in page
    assert not re.findall(r"[\u3040-\u30ff]+", page)


def test_the_audit_admin_names_a_deleted_actor_through_the_account(client, world, django_user_model):
    from machi.accounts.models import RoleGrant

    hanako = world["hanako"]
    assert AuditEntry.objects.filter(actor=hanako, actor_label="hanako").exists()  # her token, before
    client.force_login(hanako)
    client.post("/accounts/profile/delete/", {"password": PASSWORD})
    admin = django_user_model.objects.create_user("city", is_staff=True)
    RoleGrant.objects.create(user=admin, role="city-admin")
    client.force_login(admin)
    page = client.get("/admin/audit/auditentry/", {"actor__id__exact": hanako.pk}).content.decode()
    assert f"deleted-{hanako.pk}" in page
    assert ">hanako<" not in page
    # Searching her old username finds none of her entries: the kept label is not searched.
    found = client.get("/admin/audit/auditentry/", {"q": "hanako"}).context["cl"].result_list
    assert not [entry for entry in found if entry.actor_id == hanako.pk]


def test_the_download_says_when_staff_saw_ones_data_by_office_never_by_name(client, world, ward_staff):
    from machi.audit.actions import record_view

    nishi = Ward.objects.get(name="西区")
    staff = ward_staff("nishi-staff", nishi)
    hanako, jiro = world["hanako"], world["jiro"]
    booking = Reservation.objects.filter(holder=hanako).first()
    record_view(actor=staff, action="facilities.view_reservation", obj=booking, people=[hanako])
    record_view(actor=staff, action="facilities.view_day", obj=world["centre"], people=[jiro, hanako.pk + 10])
    client.force_login(hanako)
    client.get("/accounts/profile/data.zip")  # her own download is no staff's view
    sections = json.loads(client.get("/accounts/profile/data.json").content)["sections"]
    [view] = sections["views_by_staff"]
    assert (view["action"], view["object_id"], view["by"]) == (
        "facilities.view_reservation",
        str(booking.pk),
        "西区役所",
    )
    assert "nishi-staff" not in _flatten(sections)
