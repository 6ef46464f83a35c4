"""What the subcommands of `machi requests` share: the ward and the acting user named on the line."""

from django.core.management.base import CommandError

from machi.accounts.actors import SYSTEM


def ward_option(text: str | None):
    from machi.ledger.queries import ward_named

    if not text:
        return None
    ward = ward_named(text)
    if ward is None:
        raise CommandError(f"区「{text}」が見つかりません")
    return ward


def actor_option(username: str | None):
    from machi.accounts.management import acting_user

    return SYSTEM if username is None else acting_user(username)
