"""Every write about people: sign-up, verification, profiles, roles, groups, tokens.

Scope is enforced here, not in templates: each action that touches a ward's data
asks `accounts.scope` (`require_ward` …), so the web, the API and the command line are held to the same
rule. Every action is audited.
"""

import functools
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import SYSTEM, SystemActor, actor_user
from machi.accounts.models import ApiToken, CommunityGroup, GroupMember, Role, RoleGrant
from machi.accounts.queries import account_of_address
from machi.accounts.scope import NotAllowed, require_city_admin, require_ward
from machi.audit.actions import audited_save, record
from machi.core.errors import Refused
from machi.core.text import has_invisible

User = get_user_model()
PROFILE_FIELDS = (
    "display_name",
    "name_kana",
    "email",
    "phone",
    "home_ward",
    "school_district",
    "preferred_language",
)
RESIDENCY_FIELDS = ("residency_verified_at", "residency_verified_ward", "residency_verified_by")
EMAIL_VERIFICATION_SALT = "machi.accounts.verify-email"
EMAIL_VERIFICATION_MAX_AGE = 60 * 60 * 24 * 3  # three days
EMAIL_CHANGE_SALT = "machi.accounts.change-email"
TOKEN_PREFIX = "machi_"
MAX_TOKEN_DAYS = 3650


# --- People ---------------------------------------------------------------------------


def create_user(
    *,
    actor,
    username: str,
    email: str,
    password: str | None,
    role: str = "resident",
    wards=(),
    centres=(),
    display_name: str = "",
    name_kana: str = "",
) -> "User":
    """A person with a role (staff and managers get their scope); the password is validated.

    Staff are named: their name, not their login, is what mails, day sheets and histories show.
    """
    require_city_admin(actor, _("利用者の作成"))
    if role in (Role.WARD_STAFF, Role.CENTRE_MANAGER) and not (wards if role == Role.WARD_STAFF else centres):
        raise ValidationError(_("区職員には区を、センター管理者にはセンターを指定してください"))
    if role in Role.values and not display_name.strip():
        raise ValidationError({"display_name": _("職員・管理者には氏名を指定してください")})
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            display_name=display_name.strip(),
            name_kana=name_kana.strip(),
            is_active=True,
            email_verified_at=timezone.now(),
        )
        if password is None:
            user.set_unusable_password()
        else:
            validate_password(password, user)
            user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        if role == Role.CITY_ADMIN:
            RoleGrant.objects.create(user=user, role=role)
        for ward in wards if role == Role.WARD_STAFF else ():
            RoleGrant.objects.create(user=user, role=role, ward=ward)
        for centre in centres if role == Role.CENTRE_MANAGER else ():
            RoleGrant.objects.create(user=user, role=role, centre=centre)
        if role in (Role.CITY_ADMIN, Role.WARD_STAFF):
            user.is_staff = True  # may open the admin; what they see there is still scoped
            user.save(update_fields=["is_staff"])
        record(actor=actor, action="accounts.create_user", obj=user, before=None, after=_user_snapshot(user))
    return user


def sign_up(
    *, email: str, password: str, display_name: str, name_kana: str = "", preferred_language: str = "ja"
) -> "User":
    """A resident's own account, inactive until they follow the link mailed to them.

    `preferred_language`: the language of the page they signed up on, so their mails (the address
    check first) are written in it until they choose another on their profile.
    """
    with transaction.atomic():
        user = User(
            username=email.strip().lower(),
            email=email.strip().lower(),
            display_name=display_name,
            name_kana=name_kana,
            preferred_language=preferred_language,
            is_active=False,
        )
        validate_password(password, user)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        record(actor=user, action="accounts.sign_up", obj=user, before=None, after=_user_snapshot(user))
    return user


def email_verification_token(user) -> str:
    return signing.dumps({"user": user.pk, "email": user.email}, salt=EMAIL_VERIFICATION_SALT)


def verify_email(token: str) -> "User":
    """Activate the account the token was made for; a token for an old address or past three days fails."""
    try:
        data = signing.loads(token, salt=EMAIL_VERIFICATION_SALT, max_age=EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            _("確認用リンクの有効期限が切れています。確認用のメールをもう一度送ってください。")
        ) from None
    except signing.BadSignature:
        raise ValidationError(_("確認用リンクが正しくありません。")) from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data["user"], email=data["email"]).first()
        if user is None:
            raise ValidationError(_("確認用リンクが正しくありません。"))
        if user.email_verified_at is None:
            before = _user_snapshot(user)
            user.email_verified_at = timezone.now()
            user.is_active = True
            user.save(update_fields=["email_verified_at", "is_active"])
            record(
                actor=user,
                action="accounts.verify_email",
                obj=user,
                before=before,
                after=_user_snapshot(user),
            )
    return user


def update_profile(*, actor, user, **fields) -> "User":
    """A person edits their own profile; a city administrator may edit anyone's.

    A new address does not replace the old one here: it waits in `pending_email` until its holder
    follows the link mailed to it (`confirm_email_change`), so a mistyped or someone else's address
    never takes over the login.
    """

    def oneself_or_a_city_admin(actor, person) -> None:
        if actor != person:
            require_city_admin(actor, _("他の利用者のプロフィールの変更"))

    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"unknown profile fields: {sorted(unknown)}")

    def a_new_ward_is_only_declared(user, stored) -> None:
        if "home_ward" in fields and user.home_ward_id != stored.home_ward_id:
            # A newly declared ward is only declared until its staff verify it.
            user.residency_verified_at = user.residency_verified_ward = user.residency_verified_by = None

    # The row as stored, with only these fields changed: the object given may be stale.
    changed = User.objects.get(pk=user.pk)
    fields = dict(fields)
    if "email" in fields:
        new = fields.pop("email").strip().lower()
        changed.pending_email = "" if new == (changed.email or "").lower() else new
    for name, value in fields.items():
        setattr(changed, name, value)
    return audited_save(
        actor=actor,
        obj=changed,
        action="accounts.update_profile",
        scope=oneself_or_a_city_admin,
        snapshot=_user_snapshot,
        exclude=["password"],
        prepare=a_new_ward_is_only_declared,
        update_fields=[*fields, "pending_email", *(RESIDENCY_FIELDS if "home_ward" in fields else ())],
    )


def verify_residency(*, actor, user) -> "User":
    """Ward staff record that they checked, with an ID at the counter, that the person lives in the ward declared.

    Only then does the residents' head start apply (`User.verified_resident_of`). Staff of the
    declared ward (or a city administrator) only; declaring another ward clears it again.
    """
    changed = User.objects.get(pk=user.pk)
    if changed.home_ward_id is None:
        raise Refused(_("お住まいの区が登録されていないため、住所を確認済みにできません"), code="residency")

    def staff_of_the_declared_ward(actor, person) -> None:
        require_ward(actor, person.home_ward, pgettext("scope", "利用者の住所確認"))

    def verified_now(person, stored) -> None:
        if stored.home_ward_id != person.home_ward_id:
            raise Refused(_("お住まいの区が変更されました。もう一度確かめてください"), code="residency")
        person.residency_verified_at = timezone.now()
        person.residency_verified_ward_id = person.home_ward_id
        person.residency_verified_by = actor_user(actor)

    return audited_save(
        actor=actor,
        obj=changed,
        action="accounts.verify_residency",
        scope=staff_of_the_declared_ward,
        snapshot=_user_snapshot,
        prepare=verified_now,
        exclude=["password"],
        update_fields=RESIDENCY_FIELDS,
        ward=changed.home_ward_id,  # the ward's staff browse their verifications
    )


def email_change_token(user) -> str:
    """The link's token for `user`'s pending address: good for that address, from that old one, only."""
    return signing.dumps(
        {"user": user.pk, "old": user.email.lower(), "new": user.pending_email}, salt=EMAIL_CHANGE_SALT
    )


def confirm_email_change(token: str) -> "User":
    """The holder of the new address followed its link: it becomes the address (and the login, where it was).

    If another account has taken the address meanwhile, the change is dropped and says so; a link
    for an address no longer pending (changed again, or done) does nothing.
    """
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            _(
                "確認用リンクの有効期限が切れています。マイページからもう一度メールアドレスを変更してください。"
            )
        ) from None
    except signing.BadSignature:
        raise ValidationError(_("確認用リンクが正しくありません。")) from None
    taken = False
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data["user"]).first()
        if user is None or user.pending_email != data["new"] or user.email.lower() != data["old"]:
            raise ValidationError(
                _(
                    "このリンクは使えません。メールアドレスはすでに変更済みか、別のアドレスへの変更を申し込み直しています。"
                )
            )
        before = _user_snapshot(user)
        holder = account_of_address(data["new"], exclude=user) is not None
        user.pending_email = ""
        if holder:
            taken = True
            user.save(update_fields=["pending_email"])
        else:
            if user.username.lower() == user.email.lower():
                user.username = data["new"]  # signed up with the address: the login follows it
            user.email = data["new"]
            user.email_verified_at = timezone.now()
            try:
                with transaction.atomic():
                    user.save(update_fields=["email", "username", "email_verified_at", "pending_email"])
            except IntegrityError:  # confirmed by another account at the same moment
                taken = True
                user = User.objects.select_for_update().get(pk=user.pk)
                user.pending_email = ""
                user.save(update_fields=["pending_email"])
        record(
            actor=user,
            action="accounts.change_email_refused" if taken else "accounts.change_email",
            obj=user,
            before=before,
            after=_user_snapshot(user),
        )
    if taken:
        raise ValidationError(
            _(
                "このメールアドレスはほかのアカウントで使われているため、変更できませんでした。"
                "メールアドレスはこれまでのままです。"
            )
        )
    return user


def grant_role(*, actor, user, role: str, ward=None, centre=None) -> RoleGrant:
    require_city_admin(actor, _("役割の付与"))
    with transaction.atomic():
        grant = RoleGrant.objects.create(user=user, role=role, ward=ward, centre=centre)
        record(actor=actor, action="accounts.grant_role", obj=user, before=None, after={"grant": str(grant)})
    return grant


def revoke_role(*, actor, grant: RoleGrant) -> None:
    require_city_admin(actor, _("役割の取り消し"))
    with transaction.atomic():
        record(
            actor=actor,
            action="accounts.revoke_role",
            obj=grant.user,
            before={"grant": str(grant)},
            after=None,
        )
        grant.delete()


def _user_snapshot(user) -> dict:
    return {
        "username": user.username,
        "is_active": user.is_active,
        "email_verified": user.email_verified_at is not None,
        "pending_email": user.pending_email,
        **{name: getattr(user, name) for name in PROFILE_FIELDS},
        "home_ward": user.home_ward.name if user.home_ward_id else None,
        "residency_verified_at": user.residency_verified_at,
        "residency_verified_ward": user.residency_verified_ward_id,
        "residency_verified_by": user.residency_verified_by_id,
    }


# --- Groups ---------------------------------------------------------------------------


def register_group(
    *, actor, name: str, name_kana: str, kind: str, ward, school_district: str = "", members=()
):
    """A person registers a group they represent; it waits for ward staff to review it."""
    if isinstance(actor, SystemActor) or not actor.is_authenticated:
        raise NotAllowed(_("団体の登録にはログインが必要です"))
    if not actor.email_verified:
        raise NotAllowed(_("メールアドレスの確認が済んでから団体を登録してください"))
    if has_invisible(name):
        raise ValidationError(
            {
                "name": _(
                    "団体名に見えない文字や文字の向きを変える制御文字が含まれています。取り除いてください。"
                )
            }
        )
    with transaction.atomic():
        if CommunityGroup.objects.holding_name(ward, name).exists():
            raise ValidationError({"name": _group_name_taken(ward)})
        group = CommunityGroup(
            name=name,
            name_kana=name_kana,
            kind=kind,
            ward=ward,
            school_district=school_district,
            representative=actor,
        )
        group.full_clean()
        try:
            with transaction.atomic():
                group.save()
        except IntegrityError:  # the same name registered by someone else at the same moment
            raise ValidationError({"name": _group_name_taken(ward)}) from None
        GroupMember.objects.create(group=group, name=str(actor), name_kana=actor.name_kana, user=actor)
        for member_name, member_kana in members:
            GroupMember.objects.create(group=group, name=member_name, name_kana=member_kana)
        record(
            actor=actor,
            action="accounts.register_group",
            obj=group,
            before=None,
            after=_group_snapshot(group),
        )
    return group


def _group_name_taken(ward) -> str:
    return _(
        "%(ward)sには同じ名前の団体がすでに登録されています。大文字と小文字、全角と半角、"
        "形の似た文字（ロシア文字の「А」など）だけが違う名前も同じ名前とみなします。"
    ) % {"ward": ward.name}


def review_group(*, actor, group: CommunityGroup, approve: bool, reason: str = "") -> CommunityGroup:
    """Ward staff of the group's ward approve it, or decline it with a reason."""
    require_ward(actor, group.ward, pgettext("scope", "団体"))
    if not approve and not reason.strip():
        raise ValidationError(_("不承認の理由を入力してください"))
    with transaction.atomic():
        group = CommunityGroup.objects.select_for_update().get(pk=group.pk)
        if group.status != CommunityGroup.Status.PENDING:
            raise ValidationError(
                _("この団体はすでに審査済みです（%(status)s）") % {"status": group.get_status_display()}
            )
        before = _group_snapshot(group)
        group.status = CommunityGroup.Status.APPROVED if approve else CommunityGroup.Status.DECLINED
        group.decline_reason = "" if approve else reason.strip()
        group.reviewed_by = None if isinstance(actor, SystemActor) else actor
        group.reviewed_at = timezone.now()
        group.save()
        record(
            actor=actor,
            action="accounts.review_group",
            obj=group,
            before=before,
            after=_group_snapshot(group),
        )
    return group


def _group_snapshot(group) -> dict:
    return {
        "name": group.name,
        "kind": group.kind,
        "ward": group.ward.name,
        "status": group.status,
        "decline_reason": group.decline_reason,
        "representative": group.representative.get_username(),
    }


# --- API tokens -----------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, actor, user, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """A new personal token for `user`, valid for `days` (MACHI_TOKEN_DAYS unless given).

    The plain token is returned once and never stored.
    """
    if actor != user:
        require_city_admin(actor, _("他の利用者のトークンの作成"))
    days = settings.MACHI_TOKEN_DAYS if days is None else days
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(
            _("トークンの有効日数は1日から%(max)d日までにしてください") % {"max": MAX_TOKEN_DAYS}
        )
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=plain[:12],
            digest=_digest(plain),
            expires_at=timezone.now() + timedelta(days=days),
        )
        record(
            actor=actor,
            action="accounts.create_token",
            obj=token,
            before=None,
            after={"prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
        )
    return token, plain


def revoke_tokens_on_new_password(*, actor, user) -> int:
    """A password changed or reset ends every token of the person: a token taken with the old one stops too.

    Each token revoked is audited; returns how many were.
    """
    with transaction.atomic():
        revoked = 0
        for token in ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record(
                actor=actor,
                action="accounts.revoke_token",
                obj=token,
                before={"active": True},
                after={"active": False, "reason": "password_changed"},
            )
            revoked += 1
    return revoked


def revoke_token(*, actor, token: ApiToken) -> ApiToken:
    """Its owner or a city administrator revokes a token; a revoked token stays listed, unusable."""
    if actor != token.user:
        require_city_admin(actor, _("他の利用者のトークンの失効"))
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record(
                actor=actor,
                action="accounts.revoke_token",
                obj=token,
                before={"active": True},
                after={"active": False},
            )
    return token


def user_for_token(plain: str):
    """The active user a bearer token belongs to, or None. Marks the token used (at most once a minute).

    Every API call runs this, so it is one hand-written SQL statement rather than a queryset, and the row
    becomes a User without a raw queryset's per-call introspection: compiling the ORM's query
    (select_related, ordering, filters) cost more CPU than the database's answer.
    """
    if not plain or not plain.startswith(TOKEN_PREFIX) or len(plain) > 100:
        return None
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    stale = adapt(now - timedelta(seconds=60))
    with connection.cursor() as cursor:
        cursor.execute(_token_user_sql(), [stale, _digest(plain), adapt(now)])
        row = cursor.fetchone()
        if row is None:
            return None
        *values, token_id, token_stale = row
        user = _user_from_row(values)
        if not user.is_active:
            return None
        if token_stale:  # no write per call
            _mark_token_used(cursor, token_id, now)
    return user


def _mark_token_used(cursor, token_id: int, now) -> None:
    """The write of a token's last use. On PostgreSQL, outside a transaction, its commit does not wait for
    the disk (`synchronous_commit` off for it alone, in the same round trip): a crash may lose a moment
    of "last used", never a booking; the request that follows no longer waits for a second flush.

    Two statements go in one round trip only as a simple query, which takes no parameters: the values
    are written into it as literals (psycopg's quoting). It is never prepared, having two results."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        from psycopg import sql

        query = sql.SQL("SET LOCAL synchronous_commit TO OFF; UPDATE {} SET last_used_at = {} WHERE id = {}")
        cursor.execute(
            query.format(
                sql.Identifier(ApiToken._meta.db_table), sql.Literal(now), sql.Literal(token_id)
            ).as_string(connection.connection)
        )
    else:
        cursor.execute(_TOKEN_USED_SQL, [connection.ops.adapt_datetimefield_value(now), token_id])


def _user_from_row(values: list):
    """The User of a row of its columns, as the ORM would make it (values converted as its fields read them)."""
    for position, converters, column in _user_converters(connection.vendor):
        for convert in converters:
            values[position] = convert(values[position], column, connection)
    return User.from_db(connection.alias, _USER_ATTNAMES, values)


_USER_ATTNAMES = [field.attname for field in User._meta.concrete_fields]


@functools.cache
def _user_converters(vendor: str) -> list[tuple[int, list, object]]:
    """The database's and the fields' converters of each of the User's columns that has any."""
    found = []
    for position, field in enumerate(User._meta.concrete_fields):
        column = field.get_col(User._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((position, converters, column))
    return found


@functools.cache
def _token_user_sql() -> str:
    """The person of an unrevoked, unexpired token by its digest, the token's id, and whether its use is stale."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"u.{quote(field.column)}" for field in User._meta.concrete_fields)
    return (
        f"SELECT {columns}, t.id AS token_id,"
        " CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END AS token_stale"
        f" FROM {quote(ApiToken._meta.db_table)} t JOIN {quote(User._meta.db_table)} u ON u.id = t.user_id"
        " WHERE t.digest = %s AND t.revoked_at IS NULL AND t.expires_at > %s"
    )


_TOKEN_USED_SQL = f"UPDATE {ApiToken._meta.db_table} SET last_used_at = %s WHERE id = %s"


__all__ = ["SYSTEM", "NotAllowed", "require_ward"]
