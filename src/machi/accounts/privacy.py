"""A person's rights over their data (個人情報保護法): download it, delete the account; and retention.

Accounts sits below the services, so it asks each app through its AppConfig, as the ledger asks
for budget commitments: an app may define

- `personal_data(user) -> dict[str, list[dict]]`: its sections of the person's download;
- `deletion_refusals(user) -> list[str]`: why the account cannot be deleted now (a future booking,
  an open grant application), each a message for the person;
- `forget_person(user, *, actor)`: erase that person's personal fields in its rows, keeping the
  money, dates and statuses;
- `anonymise_expired(before, *, actor) -> int`: erase the personal fields of its rows belonging to
  a fiscal year that ended before `before` (the retention task), returning how many rows changed.

Each app keeps its part in its own `privacy.py`; this module collects them, and holds the
account's own part. Nothing here rewrites the audit log: it is append-only, keeps ids, and
names a deleted actor through the (now anonymised) account.
"""

import datetime

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from machi.accounts.models import ApiToken, CommunityGroup, GroupMember, RoleGrant, deleted_username
from machi.accounts.public import public_actor_label
from machi.audit.actions import audit_entry, record, record_all
from machi.audit.models import AuditEntry
from machi.core.errors import Refused
from machi.core.fiscal import fiscal_year_bounds, fiscal_year_of

# What an erased name reads where the row needs one (a booking without an account keeps a holder name).
ERASED = "（削除済み）"


class DeletionRefused(Refused):
    """The law or the money still needs this person: the reasons say what to settle first."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons), code="deletion_refused")


def _hooks(name: str):
    for config in apps.get_app_configs():
        hook = getattr(config, name, None)
        if hook is not None:
            yield hook


# --- The download ----------------------------------------------------------------------


def personal_data(user) -> dict[str, list[dict]]:
    """Everything Machi holds about the person, by section, from every app (plain JSON values)."""
    sections: dict[str, list[dict]] = {}
    for hook in _hooks("personal_data"):
        sections.update(hook(user))
    return sections


def export_personal_data(*, actor, user, fmt: str) -> dict[str, list[dict]]:
    """The person's data for their download; the download itself is recorded in the audit log."""
    if actor != user:
        raise Refused(_("ご本人の登録情報だけをダウンロードできます。"), code="not_own_data")
    with transaction.atomic():
        sections = personal_data(user)
        record(
            actor=actor,
            action="accounts.export_personal_data",
            obj=user,
            before=None,
            after={"kind": "view", "people": [user.pk], "format": fmt},
        )
    return sections


def _iso(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def rows(queryset, fields: list[str]) -> list[dict]:
    """The rows' named fields (`a__b` follows relations) as plain JSON values, dates as ISO 8601."""
    return [{name: _iso(value) for name, value in row.items()} for row in queryset.values(*fields)]


def account_data(user) -> dict[str, list[dict]]:
    """The account's own sections: the account, roles, groups, tokens, and the audit about them."""
    user_type = ContentType.objects.get_for_model(get_user_model())
    account = {
        "id": user.pk,
        "username": user.get_username(),
        "email": user.email,
        "email_verified_at": _iso(user.email_verified_at),
        "pending_email": user.pending_email,  # an address change waiting for its confirmation
        "display_name": user.display_name,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "name_kana": user.name_kana,
        "phone": user.phone,
        "school_district": user.school_district,
        "home_ward": user.home_ward.name if user.home_ward else "",
        "residency_verified": user.residency_verified,
        "residency_verified_at": _iso(user.residency_verified_at),
        "preferred_language": user.preferred_language,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
    }
    groups = CommunityGroup.objects.filter(Q(representative=user) | Q(members__user=user)).distinct()
    return {
        "account": [account],
        "roles": rows(user.role_grants.order_by("id"), ["role", "ward__name", "centre__name", "granted_at"]),
        "groups": [
            {**row, "representative": row.pop("representative_id") == user.pk}
            for row in rows(
                groups.order_by("id"),
                ["id", "name", "kind", "ward__name", "status", "created_at", "representative_id"],
            )
        ],
        "group_memberships": rows(
            GroupMember.objects.filter(user=user).order_by("id"),
            ["group_id", "group__name", "name", "name_kana"],
        ),
        # Never the secret: only its digest is stored, and not even that is given out.
        "api_tokens": rows(
            ApiToken.objects.filter(user=user).order_by("id"),
            ["name", "prefix", "created_at", "last_used_at", "revoked_at"],
        ),
        "views_by_staff": views_of(user),
        "audit": rows(
            AuditEntry.objects.filter(
                Q(actor=user) | Q(object_type=user_type, object_id=str(user.pk))
            ).order_by("at", "id"),
            ["at", "action", "object_type__model", "object_id", "actor_id"],
        ),
    }


def views_of(user) -> list[dict]:
    """When staff were shown this person's data (`record_view`): when, what, and by which office, never
    which member of staff (the public, the person included, sees offices and roles, not people)."""
    # The entry lists people by id in `after["people"]`; matched on its text, which reads alike on
    # SQLite and PostgreSQL ("people": [3, 14]), since a JSON list's containment is PostgreSQL's alone.
    listed = rf'"people": \[([0-9, ]*[ \[])?{user.pk}[,\]]'
    entries = (
        AuditEntry.objects.filter(after__kind="view")
        .exclude(actor=user)  # one's own downloads
        .annotate(text=Cast("after", TextField()))
        .filter(text__regex=listed)
        .select_related("actor", "ward", "object_type")
        .prefetch_related("actor__role_grants")
        .order_by("at", "id")
    )
    return [
        {
            "at": _iso(entry.at),
            "action": entry.action,
            "object_type": entry.object_type.model,
            "object_id": entry.object_id,
            "by": public_actor_label(entry.actor, entry.ward) if entry.ward_id else _office(entry.actor),
        }
        for entry in entries
    ]


def _office(actor) -> str:
    return str(_("システム")) if actor is None else str(_("市役所"))


# --- Deleting an account ---------------------------------------------------------------


def deletion_refusals(user) -> list[str]:
    """Why this account cannot be deleted now, from every app (empty: it can)."""
    reasons: list[str] = []
    for hook in _hooks("deletion_refusals"):
        reasons.extend(hook(user))
    return reasons


def account_refusals(user) -> list[str]:
    reasons = []
    if user.is_superuser or user.role_grants.exists():
        reasons.append(
            _("職員・管理者の役割をお持ちです。役割を外す手続きを市の管理者に依頼してから削除してください。")
        )
    for group in CommunityGroup.objects.filter(representative=user).exclude(
        status=CommunityGroup.Status.DECLINED
    ):
        reasons.append(
            _(
                "団体「%(name)s」の代表者です。代表者の交代か団体の廃止を区役所に届け出てから削除してください。"
            )
            % {"name": group.name}
        )
    return reasons


def delete_account(*, actor, user, password: str) -> None:
    """Delete the person's account: erase their personal fields everywhere, keep money, dates and the audit.

    Only the person, who confirms with their password. Refused (with every reason) where some
    app still needs them. All in one transaction: nothing half-erased.
    """
    if actor != user:
        raise Refused(_("ご本人だけがアカウントを削除できます。"), code="not_own_account")
    if not user.check_password(password):
        raise Refused(_("パスワードが正しくありません。"), code="wrong_password")
    with transaction.atomic():
        user = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
        reasons = deletion_refusals(user)
        if reasons:
            raise DeletionRefused(reasons)
        # The person acts, as the account is now: the entries' actor label is deleted-<id>, not the old name.
        for hook in _hooks("forget_person"):
            hook(user, actor=user)


def forget_account(user, *, actor) -> None:
    """The account's own part: the person's fields erased, tokens revoked, roles and memberships removed."""
    erased = {
        "username": deleted_username(user.pk),
        "email": "",
        "pending_email": "",
        "first_name": "",
        "last_name": "",
        "display_name": "",
        "name_kana": "",
        "phone": "",
        "school_district": "",
        "home_ward": None,
        "residency_verified_at": None,
        "residency_verified_ward": None,
        "residency_verified_by": None,
        "email_verified_at": None,
        "is_active": False,
        "is_staff": False,
    }
    for name, value in erased.items():
        setattr(user, name, value)
    user.set_unusable_password()
    user.save()
    now = timezone.now()
    tokens = list(ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).update(revoked_at=now)
    memberships = list(GroupMember.objects.select_for_update().filter(user=user).select_related("group"))
    roles = list(RoleGrant.objects.filter(user=user))
    for membership in memberships:
        membership.name = membership.name_kana = ""  # the entry's label (the member's name) is erased too
    record_all(
        [
            *(
                audit_entry(
                    actor=actor, action="accounts.revoke_token", obj=t, before=None, after={"revoked": True}
                )
                for t in tokens
            ),
            *(
                audit_entry(
                    actor=actor, action="accounts.remove_member", obj=m, before=None, after={"removed": True}
                )
                for m in memberships
            ),
            *(
                audit_entry(
                    actor=actor, action="accounts.remove_role", obj=r, before=None, after={"removed": True}
                )
                for r in roles
            ),
        ]
    )
    GroupMember.objects.filter(pk__in=[m.pk for m in memberships]).delete()
    RoleGrant.objects.filter(pk__in=[r.pk for r in roles]).delete()
    # The entry names the fields erased, never their old values: the audit must not keep what was erased.
    record(
        actor=actor,
        action="accounts.delete_account",
        obj=user,
        before=None,
        after={"anonymised": sorted(erased)},
    )


# --- Anonymising rows (the apps' shared step) ------------------------------------------


def anonymise_rows(queryset, values: dict, *, actor, action: str, also=()) -> int:
    """Erase `values` on the rows (locked first), one audit entry each naming the fields, not the data.

    `also` names what the caller erases beside the row's own fields (its expense lines' details).
    """
    found = list(queryset.select_for_update(of=("self",)))
    if not found:
        return 0
    fields = sorted([*values, *also])
    for row in found:  # as the row will be, so the entry's label (its str) holds nothing erased
        for name, value in values.items():
            setattr(row, name, value)
    record_all(
        [
            audit_entry(actor=actor, action=action, obj=row, before=None, after={"anonymised": fields})
            for row in found
        ]
    )
    queryset.model._default_manager.filter(pk__in=[row.pk for row in found]).update(**values)
    return len(found)


# --- Retention -------------------------------------------------------------------------


def retention_fiscal_years() -> int:
    return settings.MACHI_RETENTION_FISCAL_YEARS


def retention_cutoff(today: datetime.date | None = None) -> datetime.date:
    """The first day still kept: rows of fiscal years ending before it are past retention.

    A row is kept until the end of the N-th fiscal year after its own: in FY2026 with N = 3,
    FY2022 (ended 2023-03-31) is anonymised, FY2023 is kept until 2027-03-31.
    """
    today = today or timezone.localdate()
    return fiscal_year_bounds(fiscal_year_of(today) - retention_fiscal_years())[0]


def anonymise_expired(*, actor, today: datetime.date | None = None, dry_run: bool = False) -> dict[str, int]:
    """Anonymise every app's rows past retention, in one transaction; returns the counts by app label.

    Idempotent: a row already anonymised is not counted again. A dry run counts, and writes nothing.
    """
    before = retention_cutoff(today)
    counts: dict[str, int] = {}
    with transaction.atomic():
        for config in apps.get_app_configs():
            hook = getattr(config, "anonymise_expired", None)
            if hook is not None:
                counts[config.label] = hook(before, actor=actor)
        if dry_run:
            transaction.set_rollback(True)
    return counts
