"""The `machi` command: Django's management commands and Machi's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "machi.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["machi", *sys.argv[1:]])


if __name__ == "__main__":
    main()
