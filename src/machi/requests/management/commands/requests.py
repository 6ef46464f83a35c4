"""`machi requests <subcommand>`: residents' requests from the command line. Thin: each subcommand is
its own module, `machi.requests.cli.<module>` (see `machi.core.management.SubcommandsCommand`)."""

from machi.core.management import SubcommandsCommand


class Command(SubcommandsCommand):
    package = "machi.requests.cli"
    subcommands = ("export", "import_categories", "post_outcomes")
    title = "地域課題の受付"
