"""Every write about community grants: the web pages, the API and the CLI all call these.

Who may do what:
- ward staff of the programme's ward (or a city administrator, or the operator at the
  command line): programmes, tracks, categories, review, decision, rejection, sending a
  result report back, the confirmed amount, payment and repayment;
- a member of the applying group (its representative or a person on its list): drafts,
  submission, attachments, the result report, withdrawal.

Each step is atomic, locks the application row, appends an `ApplicationEvent`, is
audited, and mails the applicant after commit. A refusal is a `GrantRefused` (400 in
the API) — an `EnvelopeExceeded` or `AlreadyPaid` is a conflict (409) — with a
Japanese message that says why, and writes nothing.
"""

import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import SystemActor, actor_label, actor_user
from machi.accounts.models import CommunityGroup
from machi.accounts.scope import NotAllowed, can_manage_ward, is_member, require_member, require_ward
from machi.audit.actions import audited_save, record
from machi.core import dates
from machi.core.display import Phrase
from machi.core.errors import Conflict, Refused
from machi.core.fiscal import wareki
from machi.core.money import MAX_YEN
from machi.core.text import normalize
from machi.grants import emails
from machi.grants.models import (
    ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    Application,
    ApplicationEvent,
    Attachment,
    ExpenseCategory,
    ExpenseLine,
    GrantProgramme,
    GrantTrack,
    Payment,
    Repayment,
)
from machi.grants.queries import eligible_expenses_yen, planned_grant_yen
from machi.grants.rules import Rounding, compute_grant
from machi.ledger.queries import budget_of, money_left

Status = Application.Status


class GrantRefused(Refused):
    """A grant rule or the application's state refused the request (400); the message says which and why."""

    default_code = "grants.refused"


class EnvelopeExceeded(GrantRefused, Conflict):
    """The decision would take the programme's decided total beyond its budget (409)."""

    default_code = "grants.envelope_exceeded"


class AlreadyPaid(GrantRefused, Conflict):
    """The grant has been paid already (409)."""

    default_code = "grants.already_paid"


@dataclass(frozen=True)
class ExpenseInput:
    """One expense line as a form or the API gives it."""

    category: ExpenseCategory
    description: str
    amount_yen: int


# --- Programmes, tracks, categories (ward staff) ---------------------------------------------


@dataclass(frozen=True)
class TrackInput:
    """One 区分 as a form or the command line gives it; `track` is the stored row it changes (None: new)."""

    name: str
    rate_numerator: int | None
    rate_denominator: int | None
    cap_yen: int | None
    rounding: str = Rounding.FLOOR_1000
    track: GrantTrack | None = None
    delete: bool = False


@dataclass(frozen=True)
class CategoryInput:
    """One 費目; `category` is the stored row it changes (None: new)."""

    name: str
    eligible: bool = True
    category: ExpenseCategory | None = None
    delete: bool = False


def save_programme(*, actor, programme: GrantProgramme) -> GrantProgramme:
    """Create or change a programme; its project must be the same ward's, of the same year, budgeted,
    and paid from by no other programme; its application period must run forwards.

    A programme belongs to its fiscal year and ward: once saved, neither changes (its applications,
    decisions and payments are that year's). It may move to another project of that year whose
    budget holds what the programme has already committed.
    """

    def same_ward_and_year(programme: GrantProgramme, stored) -> None:
        if stored is not None and (stored.fiscal_year, stored.ward_id) != (
            programme.fiscal_year,
            programme.ward_id,
        ):
            raise GrantRefused(
                _(
                    "補助金の制度「%(name)s」は%(year)s %(ward)sのものです。"
                    "ほかの年度・区の制度にするには、その年度・区の制度を新しく作ってください"
                )
                % {"name": stored.name, "year": wareki(stored.fiscal_year), "ward": stored.ward.name},
                code="grants.programme_year_fixed",
            )
        if not normalize(programme.name or ""):
            raise GrantRefused(_("制度の名称を入力してください"))
        programme.name = programme.name.strip()
        if programme.opens_at is None or programme.closes_at is None:
            raise GrantRefused(_("申請の受付開始と締切の日時を入力してください"))
        if programme.opens_at >= programme.closes_at:
            raise GrantRefused(
                _("申請の受付開始（%(opens)s）が締切（%(closes)s）より前になるように入力してください")
                % {
                    "opens": dates.moment(timezone.localtime(programme.opens_at)),
                    "closes": dates.moment(timezone.localtime(programme.closes_at)),
                }
            )
        project = programme.project
        if (
            project.programme.ward_id != programme.ward_id
            or project.programme.fiscal_year != programme.fiscal_year
        ):
            raise GrantRefused(
                _("事業「%(project)s」は%(programme)sの事業です（補助金の制度は%(ward)s %(year)s年度）")
                % {
                    "project": project.name,
                    "programme": project.programme,
                    "ward": programme.ward.name,
                    "year": programme.fiscal_year,
                }
            )
        if stored is None or stored.project_id != programme.project_id:
            if budget_of(project) is None:
                raise GrantRefused(
                    _(
                        "事業「%(project)s」には予算（当初予算・2月補正後）が計上されていないため、補助金を支出できません"
                    )
                    % {"project": project.name}
                )
            taken = GrantProgramme.objects.filter(project=project).exclude(pk=programme.pk).first()
            if taken is not None:
                raise GrantRefused(
                    _("事業「%(project)s」からは、すでに補助金の制度「%(other)s」が支出しています")
                    % {"project": project.name, "other": taken.name}
                )
        if stored is not None and stored.project_id != programme.project_id:
            committed = Application.objects.filter(programme=stored).committed_yen()
            envelope = budget_of(project)
            if committed > (envelope or 0):
                raise EnvelopeExceeded(
                    _(
                        "事業「%(project)s」の予算 %(envelope)s円では、"
                        "この制度の交付決定済みの %(committed)s円をまかなえません"
                    )
                    % {
                        "project": project.name,
                        "envelope": "―" if envelope is None else f"{envelope:,}",
                        "committed": f"{committed:,}",
                    }
                )

    return audited_save(
        actor=actor,
        obj=programme,
        action="grants.save_programme",
        scope=lambda actor, programme: _require_staff(actor, programme),
        prepare=same_ward_and_year,
    )


TRACK_TERMS = ("rate_numerator", "rate_denominator", "cap_yen", "rounding")


def save_track(*, actor, track: GrantTrack) -> GrantTrack:
    """A 区分: a rate above 0 and at most 1, a cap in yen. Its terms are fixed once an application uses it."""

    def rate_is_a_fraction(track: GrantTrack, stored) -> None:
        name = (track.name or "").strip()
        if not normalize(name):
            raise GrantRefused(_("区分名を入力してください"))
        track.name = name
        numerator, denominator = track.rate_numerator, track.rate_denominator
        if numerator is None or denominator is None:
            raise GrantRefused(
                _("区分「%(track)s」: 補助率を分数で入力してください（例: 1/2）") % {"track": name}
            )
        if denominator <= 0:
            raise GrantRefused(
                _("区分「%(track)s」: 補助率の分母は1以上にしてください（%(numerator)s/%(denominator)s）")
                % {"track": name, "numerator": numerator, "denominator": denominator}
            )
        if not 0 < numerator <= denominator:
            raise GrantRefused(
                _("補助率は0より大きく1以下の分数で指定してください（%(numerator)s/%(denominator)s）")
                % {"numerator": numerator, "denominator": denominator}
            )
        if track.cap_yen is None:
            raise GrantRefused(_("区分「%(track)s」: 上限額（円）を入力してください") % {"track": name})
        _require_yen(track.cap_yen, f"区分「{name}」の上限額")
        if stored is not None and any(getattr(stored, f) != getattr(track, f) for f in TRACK_TERMS):
            used = stored.applications.count()
            if used:
                raise GrantRefused(
                    _(
                        "区分「%(track)s」は申請 %(count)s件で使われているため、補助率・上限額・端数の扱いは"
                        "変えられません。条件を変えるには新しい区分を作ってください"
                    )
                    % {"track": stored.name, "count": used}
                )

    return audited_save(
        actor=actor,
        obj=track,
        action="grants.save_track",
        scope=lambda actor, track: _require_staff(actor, track.programme),
        prepare=rate_is_a_fraction,
    )


def delete_track(*, actor, track: GrantTrack) -> None:
    """Remove a 区分 no application uses."""
    _require_staff(actor, track.programme)
    with transaction.atomic():
        locked = GrantTrack.objects.select_for_update().select_related("programme").get(pk=track.pk)
        used = locked.applications.count()
        if used:
            raise GrantRefused(
                _("区分「%(track)s」は申請 %(count)s件で使われているため、削除できません")
                % {"track": locked.name, "count": used}
            )
        before = {f: getattr(locked, f) for f in ("name", *TRACK_TERMS, "position")}
        record(actor=actor, action="grants.delete_track", obj=locked.programme, before=before, after=None)
        locked.delete()


def save_category(*, actor, category: ExpenseCategory) -> ExpenseCategory:
    """A 費目 and whether the grant pays towards it; that is fixed once an expense line uses it."""

    def named_and_kept(category: ExpenseCategory, stored) -> None:
        name = (category.name or "").strip()
        if not normalize(name):
            raise GrantRefused(_("費目の名前を入力してください"))
        category.name = name
        if stored is not None and stored.eligible != category.eligible and stored.lines.exists():
            raise GrantRefused(
                _("費目「%(category)s」は申請の経費で使われているため、補助対象かどうかは変えられません")
                % {"category": stored.name}
            )

    return audited_save(
        actor=actor,
        obj=category,
        action="grants.save_category",
        scope=lambda actor, category: _require_staff(actor, category.programme),
        prepare=named_and_kept,
    )


def delete_category(*, actor, category: ExpenseCategory) -> None:
    """Remove a 費目 no expense line uses."""
    _require_staff(actor, category.programme)
    with transaction.atomic():
        locked = ExpenseCategory.objects.select_for_update().select_related("programme").get(pk=category.pk)
        if locked.lines.exists():
            raise GrantRefused(
                _("費目「%(category)s」は申請の経費で使われているため、削除できません")
                % {"category": locked.name}
            )
        before = {"name": locked.name, "eligible": locked.eligible, "position": locked.position}
        record(actor=actor, action="grants.delete_category", obj=locked.programme, before=before, after=None)
        locked.delete()


def set_up_programme(
    *,
    actor,
    programme: GrantProgramme,
    tracks: list[TrackInput],
    categories: list[CategoryInput],
) -> GrantProgramme:
    """Create or change a programme with its 区分 and 費目 in one go, all or nothing (the staff's form,
    `machi grants programme create`). Rows are kept in the order given; a row with `delete` goes."""
    _require_staff(actor, programme)
    with transaction.atomic():
        save_programme(actor=actor, programme=programme)
        position = 0
        for row in tracks:
            if row.delete:
                if row.track is not None:
                    delete_track(actor=actor, track=row.track)
                continue
            position += 1
            track = row.track or GrantTrack(programme=programme)
            track.name, track.rounding, track.position = row.name, row.rounding, position
            track.rate_numerator, track.rate_denominator = row.rate_numerator, row.rate_denominator
            track.cap_yen = row.cap_yen
            save_track(actor=actor, track=track)
        if not programme.tracks.exists():
            raise GrantRefused(_("区分（補助率と上限額）を1つ以上登録してください"))
        position = 0
        for row in categories:
            if row.delete:
                if row.category is not None:
                    delete_category(actor=actor, category=row.category)
                continue
            position += 1
            category = row.category or ExpenseCategory(programme=programme)
            category.name, category.eligible, category.position = row.name, row.eligible, position
            save_category(actor=actor, category=category)
    return programme


def open_programme(*, actor, programme: GrantProgramme, closes_at=None, now=None) -> GrantProgramme:
    """Open the application round now (until `closes_at`, or the period's own締切 if still ahead)."""
    now = now or timezone.now()
    closes = closes_at or programme.closes_at
    if closes <= now:
        raise GrantRefused(
            _("締切（%(closes)s）が過ぎています。新しい締切を指定してください")
            % {"closes": dates.moment(timezone.localtime(closes))}
        )
    if programme.is_open(now) and closes == programme.closes_at:
        raise GrantRefused(
            _("%(programme)sはすでに受付中です（%(closes)sまで）")
            % {"programme": programme.name, "closes": dates.moment(timezone.localtime(closes))}
        )
    programme.opens_at = min(programme.opens_at, now)
    programme.closes_at = closes
    return save_programme(actor=actor, programme=programme)


def close_programme(*, actor, programme: GrantProgramme, now=None) -> GrantProgramme:
    """Close the application round early: its締切 becomes now."""
    now = now or timezone.now()
    if not programme.is_open(now):
        raise GrantRefused(
            _("%(programme)sは受付期間外です（%(opens)s〜%(closes)s）")
            % {
                "programme": programme.name,
                "opens": dates.moment(timezone.localtime(programme.opens_at)),
                "closes": dates.moment(timezone.localtime(programme.closes_at)),
            }
        )
    programme.closes_at = now
    return save_programme(actor=actor, programme=programme)


# --- Applying (a member of the group) ------------------------------------------------------


def save_draft(
    *,
    actor,
    programme: GrantProgramme,
    track: GrantTrack,
    group: CommunityGroup,
    title: str,
    plan: str = "",
    schedule: str = "",
    other_income_yen: int = 0,
    expenses: list[ExpenseInput],
    application: Application | None = None,
) -> Application:
    """Start an application, or change one still in the applicant's hands; the planned lines are replaced."""
    if isinstance(actor, SystemActor) or actor is None or not actor.is_authenticated:
        raise NotAllowed(_("補助金の申請にはログインが必要です"))
    _require_member(actor, group)
    _require_approved(group)
    if track.programme_id != programme.pk:
        raise GrantRefused(
            _("区分「%(track)s」はこの制度（%(programme)s）の区分ではありません")
            % {"track": track.name, "programme": programme.name}
        )
    if group.ward_id != programme.ward_id:
        raise GrantRefused(
            _("%(group)sは%(ward)sの団体ではないため、この制度には申請できません")
            % {"group": group.name, "ward": programme.ward.name}
        )
    # Normalised only to test for emptiness: what people typed is kept for display.
    title = title.strip()
    if not normalize(title):
        raise GrantRefused(_("事業名を入力してください"))
    _require_yen(other_income_yen, "その他の収入")
    lines = _expense_lines(programme, expenses)
    with transaction.atomic():
        if application is None:
            locked, before = Application(applicant=actor), None
        else:
            locked = _locked(application)
            if locked.group_id != group.pk:
                raise GrantRefused(_("申請する団体は変更できません。新しく申請してください"))
            _require_status(locked, Application.EDITABLE, _("変更"))
            before = _snapshot(locked)
        locked.programme, locked.track, locked.group = programme, track, group
        locked.title, locked.plan, locked.schedule = title, plan.strip(), schedule.strip()
        locked.other_income_yen = other_income_yen
        locked.save()
        locked.expenses.filter(phase=ExpenseLine.Phase.PLANNED).delete()
        _add_lines(locked, ExpenseLine.Phase.PLANNED, lines)
        if before is None:
            _event(actor, locked, "", Status.DRAFT)
        record(actor=actor, action="grants.save_draft", obj=locked, before=before, after=_snapshot(locked))
    return locked


def submit(*, actor, application: Application, now=None) -> Application:
    """Send the application to the ward: within the window, for an approved group, with a grant to ask for."""
    now = now or timezone.now()
    _require_member(actor, application.group)

    def check(locked: Application) -> None:
        programme = locked.programme
        if not programme.is_open(now):
            opens, closes = timezone.localtime(programme.opens_at), timezone.localtime(programme.closes_at)
            raise GrantRefused(
                _("%(programme)sの申請の受付期間は%(opens)sから%(closes)sまでです")
                % {"programme": programme.name, "opens": dates.moment(opens), "closes": dates.moment(closes)}
            )
        _require_approved(locked.group)
        if eligible_expenses_yen(locked, ExpenseLine.Phase.PLANNED) <= 0:
            raise GrantRefused(_("補助対象となる経費を1件以上入力してください（飲食費などは対象外です）"))
        if planned_grant_yen(locked) <= 0:
            raise GrantRefused(_("補助対象経費が少ないため、補助金の額が0円になります"))
        locked.submitted_at = now

    return _transition(
        actor=actor, application=application, allowed=Application.EDITABLE, to=Status.SUBMITTED, change=check
    )


def add_attachment(*, actor, application: Application, kind: str, name: str, content: bytes) -> Attachment:
    """Attach a PDF, PNG or JPEG (its type is read from its first bytes, not from its name)."""
    if not _is_member(actor, application.group) and not _is_staff(actor, application.programme):
        raise NotAllowed(
            _("%(group)sの申請に書類を添付する権限がありません") % {"group": application.group.name}
        )
    if kind not in Attachment.Kind.values:
        raise GrantRefused(
            _("書類の種類「%(kind)s」はありません（%(items)s）")
            % {"kind": kind, "items": "、".join(Attachment.Kind.values)}
        )
    size = len(content)
    if size == 0:
        raise GrantRefused(_("ファイルが空です"))
    if size > MAX_ATTACHMENT_BYTES:
        raise GrantRefused(
            _("ファイルが大きすぎます（%(size)sバイト。%(limit)sMBまで）")
            % {"size": f"{size:,}", "limit": MAX_ATTACHMENT_BYTES // (1024 * 1024)}
        )
    content_type = sniff_content_type(content)
    if content_type is None:
        raise GrantRefused(_("添付できるのは PDF、PNG、JPEG のファイルだけです"))
    name = stored_name(name, content_type)
    with transaction.atomic():
        locked = _locked(application)
        if locked.status in (Status.WITHDRAWN, Status.REJECTED, Status.CONFIRMED, Status.PAID):
            raise GrantRefused(
                _("この申請は「%(status)s」のため、書類を添付できません")
                % {"status": locked.get_status_display()}
            )
        attachment = Attachment.objects.create(
            application=locked,
            kind=kind,
            name=name,
            content_type=content_type,
            size=size,
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            uploaded_by=actor_user(actor),
        )
        after = {
            "kind": kind,
            "name": name,
            "content_type": content_type,
            "size": size,
            "sha256": attachment.sha256,
        }
        # Recorded on the application, so the entry carries its ward (staff browse their wards' log).
        after["attachment"] = attachment.pk
        record(actor=actor, action="grants.add_attachment", obj=locked, before=None, after=after)
    return attachment


# The first bytes of each type accepted (ATTACHMENT_TYPES); a name or a declared type proves nothing.
MAGIC = (
    (b"%PDF-", ATTACHMENT_TYPES[0]),
    (b"\x89PNG\r\n\x1a\n", ATTACHMENT_TYPES[1]),
    (b"\xff\xd8\xff", ATTACHMENT_TYPES[2]),
)


def sniff_content_type(content: bytes) -> str | None:
    return next((content_type for magic, content_type in MAGIC if content.startswith(magic)), None)


# The extensions a name may carry for each accepted type; a name with another gets the first.
EXTENSIONS = {
    ATTACHMENT_TYPES[0]: (".pdf",),
    ATTACHMENT_TYPES[1]: (".png",),
    ATTACHMENT_TYPES[2]: (".jpg", ".jpeg"),
}


def stored_name(name: str, content_type: str) -> str:
    """The name an attachment is kept and served under: no path, at most 200 characters, and an
    extension that matches its content (`report.html` holding a PDF is kept as `report.pdf`)."""
    name = name.strip().replace("/", "_").replace("\\", "_") if normalize(name) else ""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if f".{extension.lower()}" not in EXTENSIONS[content_type]:
        extension = EXTENSIONS[content_type][0].removeprefix(".")
    stem = stem or "添付ファイル"
    return f"{stem[: 199 - len(extension)]}.{extension}"


def withdraw(*, actor, application: Application, reason: str = "", now=None) -> Application:
    """The group withdraws its application, up to the decision (a decided grant is released)."""
    now = now or timezone.now()
    _require_member(actor, application.group)

    def change(locked: Application) -> None:
        locked.withdrawn_at = now

    allowed = (*Application.EDITABLE, Status.SUBMITTED, Status.UNDER_REVIEW, Status.DECIDED)
    return _transition(
        actor=actor, application=application, allowed=allowed, to=Status.WITHDRAWN, note=reason, change=change
    )


def report_results(
    *, actor, application: Application, expenses: list[ExpenseInput], note: str = "", now=None
) -> Application:
    """実績報告: the expenses as they were spent (receipts go in as attachments)."""
    now = now or timezone.now()
    _require_member(actor, application.group)
    lines = _expense_lines(application.programme, expenses)
    if not lines:
        raise GrantRefused(_("実績の経費を1件以上入力してください"))

    def change(locked: Application) -> None:
        locked.expenses.filter(phase=ExpenseLine.Phase.ACTUAL).delete()
        _add_lines(locked, ExpenseLine.Phase.ACTUAL, lines)
        locked.reported_at = now

    return _transition(
        actor=actor,
        application=application,
        allowed=(Status.DECIDED,),
        to=Status.REPORTED,
        note=note,
        change=change,
    )


# --- Review and decision (ward staff) -------------------------------------------------------


def start_review(*, actor, application: Application) -> Application:
    _require_staff(actor, application.programme)
    return _transition(
        actor=actor, application=application, allowed=(Status.SUBMITTED,), to=Status.UNDER_REVIEW
    )


def request_changes(*, actor, application: Application, note: str) -> Application:
    """Send the application back to the group with what to change; they submit it again."""
    _require_staff(actor, application.programme)
    note = note.strip()
    if not note:
        raise GrantRefused(_("修正をお願いする内容を入力してください"))
    return _transition(
        actor=actor,
        application=application,
        allowed=(Status.SUBMITTED, Status.UNDER_REVIEW),
        to=Status.CHANGES_REQUESTED,
        note=note,
    )


def comment(*, actor, application: Application, note: str) -> ApplicationEvent:
    """A note in the application's history, by staff or the group; staff's reach the applicant by mail."""
    staff = _is_staff(actor, application.programme)
    if not staff and not _is_member(actor, application.group):
        raise NotAllowed(_("この申請にコメントする権限がありません"))
    note = note.strip()
    if not note:
        raise GrantRefused(_("コメントを入力してください"))
    with transaction.atomic():
        locked = _locked(application)
        event = _event(actor, locked, locked.status, locked.status, note)
        record(actor=actor, action="grants.comment", obj=locked, before=None, after={"note": note})
        if staff and actor_user(actor) != locked.applicant:
            transaction.on_commit(lambda: emails.send_comment(locked, note))
    return event


def decide(
    *,
    actor,
    application: Application,
    amount_yen: int,
    conditions: str = "",
    overdraw_reason: str = "",
    now=None,
) -> Application:
    """交付決定: an amount up to the computed grant, within what the programme's project has left.

    What is left is the ledger's one figure (`machi.ledger.queries.money_left`): the budget less the
    project's 決算額 (grants paid included) less what is decided and not yet paid. A decision beyond
    it is refused (`EnvelopeExceeded`, naming the figures) unless staff state why
    (`overdraw_reason`): then it is taken, and the ledger keeps the reason (`state_overdraw`) for
    `machi ledger check`.

    The programme row is locked before the figures are summed, then the project's, so two staff
    deciding at once take turns: the second sees the first's decision, and is refused if the
    budget cannot hold both.
    """
    now = now or timezone.now()
    _require_staff(actor, application.programme)
    _require_yen(amount_yen, "交付決定額")
    if amount_yen <= 0:
        raise GrantRefused(_("交付決定額は1円以上で入力してください（交付しない場合は不交付にしてください）"))

    def check(locked: Application) -> None:
        computed = planned_grant_yen(locked)
        if amount_yen > computed:
            raise GrantRefused(
                _(
                    "交付決定額（%(amount)s円）が算定額（%(computed)s円）を超えています"
                    "（%(track)s: 補助率%(rate)s、上限%(cap)s円）"
                )
                % {
                    "amount": f"{amount_yen:,}",
                    "computed": f"{computed:,}",
                    "track": locked.track.name,
                    "rate": locked.track.rate,
                    "cap": f"{locked.track.cap_yen:,}",
                }
            )
        programme = locked.programme
        # The project's row too, as the ledger's set_figures locks it: a budget cut, a payment posted to
        # 決算額 and a decision take turns, and whichever comes second sees the other.
        from machi.ledger.actions import state_overdraw
        from machi.ledger.models import Project

        project = Project.objects.select_for_update(of=("self",)).get(pk=programme.project_id)
        left = money_left(project)
        if left.left_yen is None:
            raise GrantRefused(
                _("事業「%(project)s」に予算が計上されていません") % {"project": programme.project.name}
            )
        if amount_yen > left.left_yen:
            if not normalize(overdraw_reason):
                raise EnvelopeExceeded(
                    _(
                        "%(programme)sの予算の残りは%(left)s円です（%(breakdown)s）。"
                        "%(amount)s円は交付決定できません。予算を超えて決定するには、その理由を入力してください"
                    )
                    % {
                        "programme": programme.name,
                        "left": f"{left.left_yen:,}",
                        "breakdown": left.breakdown(),
                        "amount": f"{amount_yen:,}",
                    }
                )
            state_overdraw(
                project,
                actor=actor,
                left=left,
                adding_yen=amount_yen,
                service=_("補助金「%(name)s」申請番号 %(number)s")
                % {"name": programme.name, "number": locked.number},
                reason=overdraw_reason,
            )
        locked.decided_yen, locked.computed_yen, locked.cap_yen = amount_yen, computed, locked.track.cap_yen
        locked.conditions = conditions.strip()
        locked.decided_at, locked.decided_by = now, actor_user(actor)

    return _transition(
        actor=actor,
        application=application,
        allowed=(Status.SUBMITTED, Status.UNDER_REVIEW),
        to=Status.DECIDED,
        change=check,
        lock_programme=True,
    )


def reject(*, actor, application: Application, reason: str) -> Application:
    _require_staff(actor, application.programme)
    reason = reason.strip()
    if not reason:
        raise GrantRefused(_("不交付の理由を入力してください"))

    def change(locked: Application) -> None:
        locked.rejection_reason = reason

    return _transition(
        actor=actor,
        application=application,
        allowed=(Status.SUBMITTED, Status.UNDER_REVIEW),
        to=Status.REJECTED,
        note=reason,
        change=change,
    )


def confirm_amount(*, actor, application: Application, now=None) -> Application:
    """額の確定: the smaller of the decided amount and the grant recomputed on the actual eligible expenses.

    The confirmed amount never exceeds the decided one (a database constraint too), so confirming
    never takes more of the project's money left (`money_left`) than the decision did: it can only
    give some back. No budget check is needed here.
    """
    now = now or timezone.now()
    _require_staff(actor, application.programme)
    explained: list[str] = []

    def change(locked: Application) -> None:
        eligible = eligible_expenses_yen(locked, ExpenseLine.Phase.ACTUAL)
        recomputed = compute_grant(locked.track, eligible)
        locked.confirmed_yen = min(locked.decided_yen, recomputed)
        locked.confirmed_at, locked.confirmed_by = now, actor_user(actor)
        explained.append(
            Phrase(
                "実績の補助対象経費 %(eligible)s円、算定額 %(computed)s円、交付決定額 %(decided)s円 → 確定額 %(confirmed)s円",
                eligible=f"{eligible:,}",
                computed=f"{recomputed:,}",
                decided=f"{locked.decided_yen:,}",
                confirmed=f"{locked.confirmed_yen:,}",
            )
        )

    return _transition(
        actor=actor,
        application=application,
        allowed=(Status.REPORTED,),
        to=Status.CONFIRMED,
        change=change,
        note=lambda: explained[0],
    )


def return_report(*, actor, application: Application, note: str) -> Application:
    """Send a result report back to the group, naming what is missing; they report again.

    The application goes back to 交付決定 (its decision stands, its money stays committed); the
    note is kept in its history and mailed to the applicant. The lines they reported stay, for
    the report form to start from.
    """
    _require_staff(actor, application.programme)
    note = note.strip()
    if not normalize(note):
        raise GrantRefused(_("不足している内容を入力してください"))

    def change(locked: Application) -> None:
        locked.reported_at = None

    return _transition(
        actor=actor,
        application=application,
        allowed=(Status.REPORTED,),
        to=Status.DECIDED,
        note=note,
        change=change,
    )


# --- Money (ward staff): posted to the ledger project's settled figure ----------------------


def pay(*, actor, application: Application, now=None) -> Payment:
    """Pay the confirmed amount, once, and add it to the project's 決算額 with a history entry naming the grant."""
    now = now or timezone.now()
    _require_staff(actor, application.programme)
    paid: list[Payment] = []

    def change(locked: Application) -> None:
        if locked.confirmed_yen <= 0:
            raise GrantRefused(_("確定額が0円のため、支払う補助金はありません"))
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    application=locked,
                    amount_yen=locked.confirmed_yen,
                    paid_at=now,
                    paid_by=actor_user(actor),
                )
        except IntegrityError:
            raise AlreadyPaid(
                _("申請番号 %(number)s の補助金は支払済みです") % {"number": locked.number}
            ) from None
        _post_to_ledger(
            actor, locked, +payment.amount_yen, f"補助金の支払い: {_grant_label(locked)}", "補助金の支払い"
        )
        paid.append(payment)

    _transition(
        actor=actor, application=application, allowed=(Status.CONFIRMED,), to=Status.PAID, change=change
    )
    return paid[0]


def record_repayment(*, actor, application: Application, amount_yen: int, reason: str, now=None) -> Repayment:
    """返還: money given back from a paid grant; the project's 決算額 goes down by it, with the reason."""
    now = now or timezone.now()
    _require_staff(actor, application.programme)
    _require_yen(amount_yen, "返還額")
    reason = reason.strip()
    if amount_yen <= 0:
        raise GrantRefused(_("返還額は1円以上で入力してください"))
    if not reason:
        raise GrantRefused(_("返還の理由を入力してください"))
    with transaction.atomic():
        locked = _locked(application)
        if locked.status != Status.PAID:
            raise GrantRefused(
                _("この申請は「%(status)s」のため、返還を記録できません")
                % {"status": locked.get_status_display()}
            )
        repaid = sum(r.amount_yen for r in locked.repayments.all())
        paid = locked.payment.amount_yen
        if repaid + amount_yen > paid:
            raise GrantRefused(
                _("返還額の合計（%(total)s円）が支払額（%(paid)s円）を超えます（返還済み %(repaid)s円）")
                % {"total": f"{repaid + amount_yen:,}", "paid": f"{paid:,}", "repaid": f"{repaid:,}"}
            )
        repayment = Repayment.objects.create(
            application=locked,
            amount_yen=amount_yen,
            reason=reason,
            recorded_at=now,
            recorded_by=actor_user(actor),
        )
        _post_to_ledger(
            actor, locked, -amount_yen, f"補助金の返還: {_grant_label(locked)} 理由: {reason}", "補助金の返還"
        )
        note = Phrase("返還 %(amount)s円: %(reason)s", amount=f"{amount_yen:,}", reason=reason)
        _event(actor, locked, locked.status, locked.status, note.japanese())
        after = {"amount_yen": amount_yen, "reason": reason, "repaid_yen": repaid + amount_yen}
        record(actor=actor, action="grants.record_repayment", obj=locked, before=None, after=after)
        transaction.on_commit(lambda: emails.send_status(locked, note))
    return repayment


def _grant_label(application: Application) -> str:
    return f"{application.group.name} {application.title}（申請番号 {application.number}）"


def _post_to_ledger(actor, application: Application, delta_yen: int, reason: str, kind: str) -> None:
    """Move the project's settled figure by delta, through the ledger (locked, audited, kept in its history).

    The history keeps `reason` (the group, the title, a repayment's reason) for staff; the public is
    told the posting's kind and the application's number only.
    """
    from machi.ledger.actions import add_to_settled
    from machi.ledger.models import Project

    project = Project.objects.get(pk=application.programme.project_id)
    public_reason = f"{kind}（申請番号 {application.number}）"
    add_to_settled(project, actor=actor, delta_yen=delta_yen, reason=reason, public_reason=public_reason)


# --- Plumbing --------------------------------------------------------------------------------


def _transition(
    *, actor, application, allowed, to, note="", change=None, lock_programme: bool = False
) -> Application:
    """Move the locked application from one of `allowed` to `to`: history, audit, and a mail after commit."""
    with transaction.atomic():
        if lock_programme:
            # Always programme before application: two decisions never wait on each other in reverse.
            # Its row only (of self, no ordering joining the ward): a ward's row locked here would hold up
            # every write naming the ward meanwhile, such as the ledger's audit entry of a budget change.
            GrantProgramme.objects.select_for_update(of=("self",)).filter(
                pk=application.programme_id
            ).order_by("pk").first()
        locked = _locked(application)
        _require_status(locked, allowed, str(Status(to).label))
        before = _snapshot(locked)
        from_status = locked.status
        if change is not None:
            change(locked)
        locked.status = to
        locked.save()
        # A note the system composed (a Phrase) is kept in Japanese and mailed in the applicant's language.
        text = note() if callable(note) and not isinstance(note, Phrase) else note
        _event(actor, locked, from_status, to, text.japanese() if isinstance(text, Phrase) else text)
        record(actor=actor, action=f"grants.{to}", obj=locked, before=before, after=_snapshot(locked))
        transaction.on_commit(lambda: emails.send_status(locked, text))
    for field in ("status", "decided_yen", "confirmed_yen", "rejection_reason", "submitted_at"):
        setattr(application, field, getattr(locked, field))
    return locked


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("programme__ward", "programme__project", "track", "group", "applicant")
        .get(pk=application.pk)
    )


def _require_status(application: Application, allowed, doing: str) -> None:
    if application.status not in allowed:
        raise GrantRefused(
            _("この申請は「%(status)s」のため、「%(doing)s」にはできません")
            % {"status": application.get_status_display(), "doing": doing}
        )


def _event(actor, application, from_status: str, to_status: str, note: str = "") -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        actor=actor_user(actor),
        actor_label=actor_label(actor),
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _snapshot(application: Application) -> dict:
    lines = (
        [
            {
                "phase": line.phase,
                "category": line.category_id,
                "description": line.description,
                "yen": line.amount_yen,
            }
            for line in application.expenses.order_by("phase", "id")
        ]
        if application.pk
        else []
    )
    return {
        "status": application.status,
        "programme": application.programme_id,
        "track": application.track_id,
        "group": application.group_id,
        "title": application.title,
        "other_income_yen": application.other_income_yen,
        "decided_yen": application.decided_yen,
        "conditions": application.conditions,
        "rejection_reason": application.rejection_reason,
        "confirmed_yen": application.confirmed_yen,
        "expenses": lines,
    }


def _is_staff(actor, programme: GrantProgramme) -> bool:
    return isinstance(actor, SystemActor) or (actor is not None and can_manage_ward(actor, programme.ward_id))


def _require_staff(actor, programme: GrantProgramme) -> None:
    require_ward(actor, programme.ward, pgettext("scope", "補助金"))


def _is_member(actor, group: CommunityGroup) -> bool:
    return is_member(actor, group)


def _require_member(actor, group: CommunityGroup) -> None:
    require_member(
        actor, group, _("%(group)sの構成員でないため、この団体の申請は扱えません") % {"group": group.name}
    )


def _require_approved(group: CommunityGroup) -> None:
    if group.status != CommunityGroup.Status.APPROVED:
        raise GrantRefused(_("%(group)sは区の承認前のため、補助金を申請できません") % {"group": group.name})


def _require_yen(value, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_YEN:
        raise GrantRefused(_("%(what)sは0以上の整数（円）で入力してください") % {"what": what})


def _expense_lines(programme: GrantProgramme, expenses: list[ExpenseInput]) -> list[ExpenseInput]:
    lines = []
    for n, line in enumerate(expenses, start=1):
        if line.category.programme_id != programme.pk:
            raise GrantRefused(
                _("%(n)s行目: 費目「%(category)s」はこの制度の費目ではありません")
                % {"n": n, "category": line.category.name}
            )
        _require_yen(line.amount_yen, f"{n}行目の金額")
        description = line.description.strip()[:200]
        lines.append(
            ExpenseInput(category=line.category, description=description, amount_yen=line.amount_yen)
        )
    return lines


def _add_lines(application: Application, phase: str, lines: list[ExpenseInput]) -> None:
    ExpenseLine.objects.bulk_create(
        ExpenseLine(
            application=application,
            phase=phase,
            category=line.category,
            description=line.description,
            amount_yen=line.amount_yen,
        )
        for line in lines
    )
