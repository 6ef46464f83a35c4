"""`machi events import|export|post-outcomes|…`: one subcommand per module of `machi.events.cli`. Thin.

Each module in `SUBCOMMANDS` has `add_arguments(parser)` and `run(options, stdout)`; its name with
`_` as `-` (a trailing `_` dropped: `import_` is `import`) is the subcommand.
"""

import importlib

from django.core.management.base import BaseCommand

SUBCOMMANDS = ["import_", "export", "post_outcomes"]


def _name(module: str) -> str:
    return module.rstrip("_").replace("_", "-")


class Command(BaseCommand):
    help = "催し・講座・訓練: イベント一覧CSVの取込（import）・出力（export）、成果の台帳への計上（post-outcomes）"

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, parser_class=type(parser))
        for module in SUBCOMMANDS:
            cli = importlib.import_module(f"machi.events.cli.{module}")
            cli.add_arguments(subcommands.add_parser(_name(module), help=cli.HELP))

    def handle(self, *args, subcommand: str, **options):
        module = next(m for m in SUBCOMMANDS if _name(m) == subcommand)
        options["stderr"] = self.stderr
        return importlib.import_module(f"machi.events.cli.{module}").run(options, self.stdout)
