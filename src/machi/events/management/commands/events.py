"""`machi events <subcommand>`: events from the command line. Thin: each subcommand is its own module,
`machi.events.cli.<module>`, with `add_arguments(parser)` and `run(options, stdout)` (and a `HELP`, or
its docstring's first line); the work is in `machi.events`. A module listed in SUBCOMMANDS is the
subcommand of its name with `_` as `-` (a trailing `_` dropped: `import_` is `import`)."""

import importlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

SUBCOMMANDS = ["import_", "export", "draw", "roster", "helper", "post_outcomes"]


def _name(module: str) -> str:
    return module.rstrip("_").replace("_", "-")


def _module(module: str):
    return importlib.import_module(f"machi.events.cli.{module}")


class Command(BaseCommand):
    help = "催し・講座・訓練: " + "・".join(_name(m) for m in SUBCOMMANDS)

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, parser_class=type(parser))
        for module_name in SUBCOMMANDS:
            module = _module(module_name)
            summary = getattr(module, "HELP", None) or (module.__doc__ or "").split("\n")[0]
            module.add_arguments(subcommands.add_parser(_name(module_name), help=summary))

    def handle(self, *args, subcommand: str, **options):
        module = next(m for m in SUBCOMMANDS if _name(m) == subcommand)
        options["stderr"] = self.stderr
        try:
            return _module(module).run(options, self.stdout)
        except ValidationError as refusal:
            raise CommandError(" ".join(refusal.messages)) from None
        except (PermissionDenied, Http404) as refusal:
            raise CommandError(str(refusal)) from None
