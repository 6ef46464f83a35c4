"""`machi events <subcommand>`: events from the command line. Thin: each subcommand is its own module,
`machi.events.cli.<module>` (see `machi.core.management.SubcommandsCommand`); the work is in `machi.events`."""

from machi.core.management import SubcommandsCommand

SUBCOMMANDS = ("import_", "export", "draw", "roster", "helper", "post_outcomes")


class Command(SubcommandsCommand):
    package = "machi.events.cli"
    subcommands = SUBCOMMANDS
    title = "催し・講座・訓練"
