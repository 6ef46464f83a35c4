"""Attachments: PDF, PNG or JPEG by their first bytes, within the size limit, by the group or the ward's staff."""

import io

import pytest
from django.db import IntegrityError, transaction

from machi.accounts.actions import NotAllowed
from machi.grants import actions
from machi.grants.models import MAX_ATTACHMENT_BYTES, Attachment

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.mark.parametrize(
    ("content", "content_type"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")]
)
def test_the_type_is_read_from_the_content(draft, applicant, content, content_type):
    attachment = actions.add_attachment(
        actor=applicant, application=draft, kind="plan", name="見積書.bin", content=content
    )
    assert (attachment.content_type, attachment.size, bytes(attachment.content)) == (
        content_type,
        len(content),
        content,
    )


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00 an executable", b"<html><script>alert(1)</script>", b"GIF89a....", b"PK\x03\x04 a zip"],
)
def test_other_files_are_refused_whatever_their_name(draft, applicant, content):
    with pytest.raises(actions.GrantRefused, match="PDF、PNG、JPEG"):
        actions.add_attachment(
            actor=applicant, application=draft, kind="receipt", name="receipt.pdf", content=content
        )
    assert not Attachment.objects.exists()


def test_an_empty_or_too_large_file_is_refused(draft, applicant):
    with pytest.raises(actions.GrantRefused, match="空です"):
        actions.add_attachment(actor=applicant, application=draft, kind="plan", name="a.pdf", content=b"")
    too_large = PDF + b"0" * MAX_ATTACHMENT_BYTES
    with pytest.raises(actions.GrantRefused, match="大きすぎます"):
        actions.add_attachment(
            actor=applicant, application=draft, kind="plan", name="a.pdf", content=too_large
        )
    assert not Attachment.objects.exists()


def test_a_path_in_the_name_is_not_kept(draft, applicant):
    attachment = actions.add_attachment(
        actor=applicant, application=draft, kind="photo", name="../../etc/passwd.png", content=PNG
    )
    assert attachment.name == ".._.._etc_passwd.png"


def test_an_unknown_kind_is_refused(draft, applicant):
    with pytest.raises(actions.GrantRefused, match="書類の種類"):
        actions.add_attachment(actor=applicant, application=draft, kind="virus", name="a.pdf", content=PDF)


def test_a_stranger_cannot_attach(draft, stranger):
    with pytest.raises(NotAllowed):
        actions.add_attachment(actor=stranger, application=draft, kind="plan", name="a.pdf", content=PDF)


def test_receipts_go_in_with_the_report_and_not_once_the_amount_is_confirmed(reported, applicant, staff):
    actions.add_attachment(
        actor=applicant, application=reported, kind="receipt", name="領収書.pdf", content=PDF
    )
    confirmed = actions.confirm_amount(actor=staff, application=reported)
    with pytest.raises(actions.GrantRefused, match="「額の確定」のため"):
        actions.add_attachment(
            actor=applicant, application=confirmed, kind="receipt", name="r.pdf", content=PDF
        )
    assert list(Attachment.objects.values_list("name", flat=True)) == ["領収書.pdf"]


def test_the_database_refuses_a_type_or_size_the_action_would_refuse(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.create(
            application=draft, kind="plan", name="a", content_type="text/html", size=1, content=b"x"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.create(
            application=draft,
            kind="plan",
            name="a",
            content_type="application/pdf",
            size=MAX_ATTACHMENT_BYTES + 1,
            content=b"x",
        )


def test_an_attachment_is_audited_on_its_application_with_its_ward(draft, applicant):
    from machi.audit.models import AuditEntry

    attachment = actions.add_attachment(
        actor=applicant, application=draft, kind="plan", name="計画.pdf", content=PDF
    )
    entry = AuditEntry.objects.for_object(draft).get(action="grants.add_attachment")
    assert (entry.ward.name, entry.after["attachment"], entry.after["content_type"]) == (
        "西区",
        attachment.pk,
        "application/pdf",
    )
    assert "content" not in entry.after  # the file itself stays out of the log


@pytest.mark.parametrize(
    ("name", "content", "kept_as"),
    [
        ("report.html", PDF + b"<script>alert(1)</script>", "report.pdf"),
        ("logo.svg", PNG, "logo.png"),
        ("setup.exe", JPEG, "setup.jpg"),
        ("写真.JPEG", JPEG, "写真.JPEG"),
        ("見積書", PDF, "見積書.pdf"),
        (".pdf", PDF, "添付ファイル.pdf"),
        ("   ", PNG, "添付ファイル.png"),
        ("長い名前" * 60 + ".html", PDF, ("長い名前" * 60)[:196] + ".pdf"),
    ],
)
def test_the_name_kept_takes_the_extension_of_the_content(draft, applicant, name, content, kept_as):
    attachment = actions.add_attachment(
        actor=applicant, application=draft, kind="plan", name=name, content=content
    )
    assert attachment.name == kept_as
    assert len(attachment.name) <= 200


def test_an_attachment_may_be_5_mb_but_not_more(client, draft, applicant):
    client.force_login(applicant)
    path = f"/grants/applications/{draft.pk}/attachments/"
    fits = PDF + b"0" * (MAX_ATTACHMENT_BYTES - len(PDF))
    response = client.post(path, {"kind": "plan", "file": io.BytesIO(fits)})
    assert response.status_code == 302
    assert Attachment.objects.get().size == MAX_ATTACHMENT_BYTES
    too_large = PDF + b"0" * (MAX_ATTACHMENT_BYTES + 128 * 1024)
    response = client.post(path, {"kind": "receipt", "file": io.BytesIO(too_large)})
    assert response.status_code == 413
    assert Attachment.objects.count() == 1
