"""抽選の催しの参加者を抽選する（申込締切の後）。--verify で実施済みの抽選を検証する。"""

from django.core.management.base import CommandError

from machi.events import actions
from machi.events.cli.common import add_event_argument, event_and_actor


def add_arguments(parser) -> None:
    add_event_argument(parser)
    parser.add_argument(
        "--verify", action="store_true", help="抽選せず、記録と乱数の種から抽選をやり直して確かめる"
    )


def run(options, stdout) -> None:
    event, actor = event_and_actor(options)
    if options["verify"]:
        verdict = actions.verify_draw(event)
        if not verdict.ok:
            raise CommandError("検証に失敗しました: " + " / ".join(verdict.problems))
        stdout.write(
            f"「{event.title}」の抽選を検証しました：記録と同じ結果です（乱数の種 {event.lottery_seed}）"
        )
        return
    log = actions.draw(actor=actor, event=event)
    stdout.write(
        f"「{event.title}」を抽選しました：{len(log['entries'])}件のうち{log['winners']}件が当選"
        f"（乱数の種 {log['seed']}、SHA-256 {log['seed_digest']}）"
    )
