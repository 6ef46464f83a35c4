"""Machi's own commands: `MachiCommand`, and a command of subcommands, each its own module:
`machi events …`, `machi requests …`.

A command module sets `package` (where the subcommands' modules are), `subcommands` (their module
names) and `title`. Each module has `add_arguments(parser)` and `run(options, stdout)` (and a `HELP`,
or its docstring's first line); the work is in the app. A module is the subcommand of its name with
`_` as `-` (a trailing `_` dropped: `import_` is `import`). A refusal (ValidationError, PermissionDenied,
Http404) becomes a CommandError with its message.
"""

import importlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from machi.core.checks import COMMAND_CHECKS


def subcommand_name(module: str) -> str:
    return module.rstrip("_").replace("_", "-")


class MachiCommand(BaseCommand):
    """A command of Machi's own: it runs the system checks but the URLs' (`machi.core.checks`)."""

    requires_system_checks = COMMAND_CHECKS


class SubcommandsCommand(MachiCommand):
    package: str = ""
    subcommands: tuple[str, ...] = ()
    title: str = ""

    def _module(self, module: str):
        return importlib.import_module(f"{self.package}.{module}")

    @property
    def help(self) -> str:
        return f"{self.title}: " + "・".join(subcommand_name(m) for m in self.subcommands)

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, parser_class=type(parser))
        for module_name in self.subcommands:
            module = self._module(module_name)
            summary = getattr(module, "HELP", None) or (module.__doc__ or "").split("\n")[0]
            module.add_arguments(subcommands.add_parser(subcommand_name(module_name), help=summary))

    def handle(self, *args, subcommand: str, **options):
        module = next(m for m in self.subcommands if subcommand_name(m) == subcommand)
        options["stderr"] = self.stderr
        try:
            return self._module(module).run(options, self.stdout)
        except ValidationError as refusal:
            raise CommandError(" ".join(refusal.messages)) from None
        except (PermissionDenied, Http404) as refusal:
            raise CommandError(str(refusal)) from None
