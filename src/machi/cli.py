"""The `machi` command: Django's management commands and Machi's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "machi.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (read now: Django would hide the reason behind a later error)
    except ImproperlyConfigured as error:
        sys.exit(f"machi: {error}")

    execute_from_command_line(["machi", *sys.argv[1:]])


if __name__ == "__main__":
    main()
