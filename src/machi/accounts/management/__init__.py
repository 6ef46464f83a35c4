"""Command-line helpers shared by Machi's management commands."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db.models import Q

from machi.core.text import normalize


def acting_user(username: str):
    """The active user a command acts as (`--user`), or a clear error."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"利用者「{username}」が見つからないか、無効です")
    return user


def centre_named(text: str):
    """The centre a command names (`--centre`): by id or by its exact name, or a clear error.

    Known through the role grants' field, not by importing facilities: accounts sits below it."""
    from machi.accounts.models import RoleGrant

    centre_model = RoleGrant._meta.get_field("centre").related_model
    key = normalize(text)
    matches = list(
        centre_model._default_manager.select_related("ward").filter(
            Q(name=key) | Q(pk=int(key)) if key.isdigit() else Q(name=key)
        )
    )
    if not matches:
        raise CommandError(f"センター「{text}」が見つかりません")
    if len(matches) > 1:
        where = "、".join(f"{c.ward.name}（id: {c.pk}）" for c in matches)
        raise CommandError(f"センター「{text}」は複数の区にあります: {where}。id で指定してください")
    return matches[0]
