"""`machi user create`: a person with a role, from the command line (as the system operator).

Thin: `accounts.actions.create_user` does the work and validates the password with
Django's validators. The password is asked twice (never an argument, so it stays out of
the shell history and the process list), or read from standard input with
`--password-stdin` for scripts.
"""

import getpass
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import CommandError

from machi.accounts import actions
from machi.accounts.actors import SYSTEM
from machi.accounts.forms import clean_kana
from machi.accounts.management import centre_named
from machi.accounts.models import Role, RoleGrant
from machi.core.management import MachiCommand
from machi.core.text import normalize

# The ward a role is scoped to, found through the grant: accounts sits below
# the ledger and the services and does not import them.
Ward = RoleGrant._meta.get_field("ward").related_model

ROLES = [*Role.values, "resident"]
FIELD_LABELS = {
    "username": "利用者名",
    "email": "メールアドレス",
    "password": "パスワード",
    "display_name": "氏名",
}


class Command(MachiCommand):
    help = "利用者を作成する（役割つき。区職員は区を、センター管理者はセンターを指定）"
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        actions_ = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        creating = actions_.add_parser("create", help="利用者を作成する（パスワードは2回尋ねる）")
        creating.add_argument("username", help="ログインに使う利用者名")
        creating.add_argument("--email", required=True, help="メールアドレス")
        creating.add_argument(
            "--role",
            required=True,
            choices=ROLES,
            help="city-admin 市の管理者 / ward-staff 区職員 / centre-manager センター管理者 / resident 住民",
        )
        creating.add_argument(
            "--name", default="", help="氏名（メールの宛名や予約表に出る名前。職員・管理者には必須）"
        )
        creating.add_argument("--kana", default="", help="氏名のかな（ひらがなかカタカナ）")
        creating.add_argument(
            "--ward", action="append", default=[], help="区職員の区（区名か団体コード。複数の区は繰り返す）"
        )
        creating.add_argument(
            "--centre", action="append", default=[], help="センター管理者のセンター（名称か id。繰り返し可）"
        )
        creating.add_argument(
            "--password-stdin",
            action="store_true",
            help="パスワードを標準入力の1行目から読む（スクリプト用）",
        )

    def handle(self, *args, action, **options):
        return getattr(self, f"handle_{action}")(**options)

    def handle_create(self, *, username, email, role, ward, centre, password_stdin, name, kana, **options):
        try:
            kana = clean_kana(kana)
        except ValidationError:
            raise CommandError("--kana はひらがなかカタカナで指定してください") from None
        wards = [_ward_named(text) for text in ward]
        centres = [centre_named(text) for text in centre]
        if role == Role.WARD_STAFF and not wards:
            raise CommandError("区職員（ward-staff）には --ward で区を指定してください")
        if role == Role.CENTRE_MANAGER and not centres:
            raise CommandError("センター管理者（centre-manager）には --centre でセンターを指定してください")
        if wards and role != Role.WARD_STAFF:
            raise CommandError("--ward は区職員（ward-staff）にだけ指定できます")
        if centres and role != Role.CENTRE_MANAGER:
            raise CommandError("--centre はセンター管理者（centre-manager）にだけ指定できます")
        if role in Role.values and not name.strip():
            raise CommandError(
                "職員・管理者には --name で氏名を指定してください（メールの宛名や予約表に出ます）"
            )
        users = get_user_model().objects
        if users.filter(username=username).exists():
            raise CommandError(f"利用者名「{username}」はすでに使われています")
        if email.strip() and users.filter(email__iexact=email.strip()).exists():
            raise CommandError(f"メールアドレス「{email}」はすでに使われています")
        password = self._password(options.get("stdin") or sys.stdin) if password_stdin else _ask_password()
        try:
            user = actions.create_user(
                actor=SYSTEM,
                username=username,
                email=email.strip().lower(),
                password=password,
                role=role,
                wards=wards,
                centres=centres,
                display_name=normalize(name),
                name_kana=kana,
            )
        except ValidationError as error:
            raise CommandError(f"利用者を作成できません: {_messages(error)}") from None
        scope = "、".join(w.name for w in wards) or "、".join(c.name for c in centres)
        label = dict(Role.choices).get(role, "住民")
        self.stdout.write(
            f"利用者「{user.get_username()}」を作成しました（{label}{f'：{scope}' if scope else ''}）"
        )

    def _password(self, stream) -> str:
        password = stream.readline().removesuffix("\n").removesuffix("\r")
        if not password:
            raise CommandError(
                "標準入力からパスワードを読めませんでした（1行目にパスワードを書いてください）"
            )
        return password


def _ask_password() -> str:
    try:
        first = getpass.getpass("パスワード: ")
        second = getpass.getpass("パスワード（確認）: ")
    except (EOFError, KeyboardInterrupt):
        raise CommandError("パスワードの入力が中断されました（何も作成していません）") from None
    if not first:
        raise CommandError("パスワードが空です")
    if first != second:
        raise CommandError("2回入力したパスワードが一致しません（何も作成していません）")
    return first


def _ward_named(text: str):
    ward = Ward.objects.named(text)
    if ward is None:
        known = "、".join(Ward._default_manager.order_by("code").values_list("name", flat=True)) or "なし"
        raise CommandError(f"区「{text}」が見つかりません（登録されている区: {known}）")
    return ward


def _messages(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " / ".join(error.messages)
    parts = []
    for field, errors in error.message_dict.items():
        label = "" if field == NON_FIELD_ERRORS else f"{FIELD_LABELS.get(field, field)}: "
        parts += [label + message for message in errors]
    return " / ".join(parts)
