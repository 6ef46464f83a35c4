"""`machi token create|list|revoke`: personal API tokens from the command line. Thin: the work is in actions.

`create` prints the new token as its last line, so a script can take it with `tail -n 1`;
it is shown this once and never stored (only its digest is).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone

from machi.accounts import actions
from machi.accounts.actors import SYSTEM
from machi.accounts.management import acting_user
from machi.accounts.models import ApiToken
from machi.accounts.scope import NotAllowed
from machi.core.management import MachiCommand


class Command(MachiCommand):
    help = "API の個人用トークン: 作成（create）・一覧（list）・失効（revoke）"

    def add_arguments(self, parser):
        actions_ = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        creating = actions_.add_parser(
            "create", help="トークンを作成する（最後の行がトークン。一度だけ表示）"
        )
        creating.add_argument("username", help="トークンを持つ利用者")
        creating.add_argument("--name", default="", help="用途のメモ（例: 会計システム連携）")
        creating.add_argument(
            "--days", type=int, default=None, help="有効日数（省略時は MACHI_TOKEN_DAYS の日数。既定 90 日）"
        )

        listing = actions_.add_parser("list", help="トークンの一覧（先頭の文字・名前・作成・最終利用・状態）")
        listing.add_argument("username", nargs="?", help="この利用者のトークンだけ（省略時は全員）")

        revoking = actions_.add_parser("revoke", help="トークンを失効させる")
        revoking.add_argument(
            "token", metavar="PREFIX_OR_ID", help="トークンの先頭の文字（machi_…）または id"
        )
        revoking.add_argument(
            "--user", help="この利用者として失効させる（本人か市の管理者だけ）。省略時はシステム運用者として"
        )

    def handle(self, *args, action, **options):
        return getattr(self, f"handle_{action}")(**options)

    def handle_create(self, *, username: str, name: str, days: int | None, **_):
        user = acting_user(username)
        try:
            token, plain = actions.create_token(actor=SYSTEM, user=user, name=name.strip(), days=days)
        except ValidationError as error:
            raise CommandError(" / ".join(error.messages)) from None
        self.stderr.write(
            f"{user.get_username()} のトークンを作成しました（id: {token.pk}、先頭: {token.prefix}、"
            f"有効期限: {_when(token.expires_at)}）。"
            "次の行のトークンは今回だけ表示されます。Authorization: Bearer <トークン> で送ってください。"
        )
        self.stdout.write(plain)

    def handle_list(self, *, username: str | None, **_):
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
        if username is not None:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"利用者「{username}」が見つかりません")
            tokens = tokens.filter(user=user)
        rows = [
            (
                str(token.pk),
                token.user.get_username(),
                token.prefix + "…",
                token.name or "―",
                _when(token.created_at),
                _when(token.last_used_at) if token.last_used_at else "未使用",
                _when(token.expires_at),
                _status(token),
            )
            for token in tokens
        ]
        if not rows:
            self.stdout.write("トークンはありません")
            return
        header = ("id", "利用者", "先頭", "名前", "作成", "最終利用", "有効期限", "状態")
        for row in (header, *rows):
            self.stdout.write("\t".join(row))

    def handle_revoke(self, *, token: str, user: str | None, **_):
        actor = SYSTEM if user is None else acting_user(user)
        found = _token_named(token)
        if found.revoked_at is not None:
            raise CommandError(f"トークン {found.prefix}…（id: {found.pk}）はすでに失効しています")
        try:
            actions.revoke_token(actor=actor, token=found)
        except NotAllowed as error:
            raise CommandError(f"{error}（失効させていません）") from None
        self.stdout.write(
            f"トークン {found.prefix}…（id: {found.pk}、{found.user.get_username()}）を失効させました"
        )


def _token_named(text: str) -> ApiToken:
    """A token by its id, or by its prefix as `token list` shows it (with or without the …)."""
    key = text.strip().removesuffix("…")
    tokens = ApiToken.objects.select_related("user")
    if key.isdigit():
        matches = list(tokens.filter(pk=int(key)))
    elif key.startswith(actions.TOKEN_PREFIX) and len(key) > len(actions.TOKEN_PREFIX):
        matches = list(tokens.filter(prefix=key))
    else:
        raise CommandError(
            f"「{text}」はトークンの id でも先頭の文字（{actions.TOKEN_PREFIX}…）でもありません"
        )
    if not matches:
        raise CommandError(f"トークン「{text}」が見つかりません（machi token list で確かめてください）")
    if len(matches) > 1:
        ids = "、".join(str(t.pk) for t in matches)
        raise CommandError(f"先頭が「{key}」のトークンが複数あります（id: {ids}）。id で指定してください")
    return matches[0]


def _status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return f"失効（{_when(token.revoked_at)}）"
    return "期限切れ" if token.expired else "有効"


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
