"""Machi's own commands run the system checks but the URL configuration's: checking the URLs imports
every page and API endpoint, a second of the two a command like `machi token list` took."""

import subprocess
import sys

from django.core.checks import Tags
from django.core.management import get_commands, load_command_class

PROBE = """
import sys
from machi.cli import main
sys.argv = ["machi", *{args!r}]
main()
print("urls loaded" if "machi.urls" in sys.modules else "urls not loaded")
"""


def test_every_machi_command_runs_the_model_and_machi_checks_but_not_the_urls():
    ours = {name: app for name, app in get_commands().items() if app.startswith("machi.")}
    assert {"ledger", "token", "worker", "events", "requests", "demo"} <= set(ours)
    for name, app in ours.items():
        checks = load_command_class(app, name).requires_system_checks
        assert Tags.urls not in checks and Tags.models in checks and "machi" in checks, name


def test_a_machi_command_runs_without_importing_the_pages(command_env):
    answer = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=("token", "list"))],
        capture_output=True,
        text=True,
        env=command_env,
        timeout=120,
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip().splitlines()[-1] == "urls not loaded"
