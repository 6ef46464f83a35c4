"""`machi events <subcommand>`: events from the command line. Thin: each subcommand is its own module,
`machi.events.cli.<name>`, with `add_arguments(parser)` and `run(options, stdout)`; the work is in
`machi.events`. A subcommand is listed in SUBCOMMANDS (its module name, `-` for `_` on the line)."""

import importlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

SUBCOMMANDS = ["draw", "roster", "helper"]


def _module(name: str):
    return importlib.import_module(f"machi.events.cli.{name.replace('-', '_')}")


class Command(BaseCommand):
    help = "催し: " + "・".join(SUBCOMMANDS)

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, parser_class=type(parser))
        for name in SUBCOMMANDS:
            module = _module(name)
            module.add_arguments(subcommands.add_parser(name, help=(module.__doc__ or "").split("\n")[0]))

    def handle(self, *args, subcommand: str, **options):
        try:
            _module(subcommand).run(options, self.stdout)
        except ValidationError as refusal:
            raise CommandError(" ".join(refusal.messages)) from None
        except (PermissionDenied, Http404) as refusal:
            raise CommandError(str(refusal)) from None
