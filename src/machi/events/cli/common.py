"""What the events' subcommands share: the event a command names, and the actor it acts as."""

from django.core.management.base import CommandError

from machi.accounts.actors import SYSTEM
from machi.accounts.management import acting_user
from machi.events.models import Event


def add_event_argument(parser) -> None:
    parser.add_argument("event", type=int, help="催しの id")
    parser.add_argument("--user", help="この利用者として実行する。省略時はシステム運用者として")


def event_and_actor(options) -> tuple[Event, object]:
    event = Event.objects.select_related("ward", "project").filter(pk=options["event"]).first()
    if event is None:
        raise CommandError(f"催し（id: {options['event']}）が見つかりません")
    return event, (SYSTEM if options.get("user") is None else acting_user(options["user"]))
