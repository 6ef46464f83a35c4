"""The test suite's settings: Machi's own on a development machine (debug asked for, as `make run` does).

Machi runs in production mode unless `MACHI_DEBUG=1`. Both variables are set in the
environment, so that each `machi` command a test starts (and each pytest-xdist worker)
runs Machi as a developer does, with Machi's own settings module; tests of production
behaviour start `machi` without them (tests/accounts/test_security.py).
"""

import os

os.environ.setdefault("MACHI_DEBUG", "1")
os.environ["DJANGO_SETTINGS_MODULE"] = "machi.settings"  # read by child processes; this one is already set

from machi.settings import *  # noqa: F403
