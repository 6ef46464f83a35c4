"""催しの受付係を付与する（add）・取り消す（remove）・一覧する（list）。"""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from machi.events import actions
from machi.events.cli.common import add_event_argument, event_and_actor


def add_arguments(parser) -> None:
    parser.add_argument("what", choices=("add", "remove", "list"))
    add_event_argument(parser)
    parser.add_argument("--helper", help="受付係にする（取り消す）方のログイン名")


def run(options, stdout) -> None:
    event, actor = event_and_actor(options)
    if options["what"] == "list":
        for user in get_user_model().objects.filter(
            role_grants__role="event-helper", role_grants__event=event
        ):
            stdout.write(f"{user.username}\t{user}")
        return
    if not options["helper"]:
        raise CommandError("--helper でログイン名を指定してください")
    user = get_user_model().objects.filter(username=options["helper"], is_active=True).first()
    if user is None:
        raise CommandError(f"利用者「{options['helper']}」が見つからないか、無効です")
    if options["what"] == "add":
        actions.grant_helper(actor=actor, event=event, user=user)
        stdout.write(f"{user.username} を「{event.title}」の受付係にしました")
    else:
        actions.revoke_helper(actor=actor, event=event, user=user)
        stdout.write(f"{user.username} の「{event.title}」の受付係を取り消しました")
