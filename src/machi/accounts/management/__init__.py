"""Command-line helpers shared by Machi's management commands."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def acting_user(username: str):
    """The active user a command acts as (`--user`), or a clear error."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"利用者「{username}」が見つからないか、無効です")
    return user
