"""What the import benchmarks share: a scratch Machi, the time each write transaction lasts, another writer.

Used by bench/ledger_import.py and bench/centre_import.py (bench/ is their folder, so a plain import).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def scratch_machi() -> Path:
    """Django set up on a fresh SQLite file (unless DATABASE_URL names a scratch database), migrated."""
    scratch = Path(tempfile.mkdtemp(prefix="machi-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "machi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return scratch


def sqlite_path() -> str | None:
    url = os.environ["DATABASE_URL"]
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:") else None


class WriteTimer:
    """Times every call of `module.<name>` (an import's write phase: the only time it holds the write lock)."""

    def __init__(self, module, name: str = "_write"):
        self.held: list[float] = []
        write = getattr(module, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return write(*args, **kwargs)
            finally:
                self.held.append(time.perf_counter() - start)

        setattr(module, name, timed)

    def measure(self, action) -> tuple[object, float, str]:
        """Run `action` with another writer beside it: (its result, seconds, the write lock's figures)."""
        self.held.clear()
        path = sqlite_path()
        with OtherWriter(path) as other:
            start = time.perf_counter()
            result = action()
            elapsed = time.perf_counter() - start
        lock = f"write {sum(self.held):6.2f} s" if self.held else "write   none  "
        waited = f"  other writer waited ≤ {other.longest:5.2f} s" if path else ""
        return result, elapsed, lock + waited


class OtherWriter:
    """On SQLite, another process taking the write lock every 10 ms (as a booking would); its longest wait.

    A process of its own, so that what it measures is the lock, not this process's GIL.
    """

    SCRIPT = """
import select, sqlite3, sys, time
other = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
longest = 0.0
print("ready", flush=True)
while not select.select([sys.stdin], [], [], 0.01)[0]:  # till told to stop, every 10 ms
    start = time.perf_counter()
    other.execute("BEGIN IMMEDIATE")
    other.execute("COMMIT")
    longest = max(longest, time.perf_counter() - start)
print(longest, flush=True)
"""

    def __init__(self, path: str | None):
        self.path, self.longest = path, 0.0

    def __enter__(self):
        if self.path:
            self._process = subprocess.Popen(
                [sys.executable, "-c", self.SCRIPT, self.path],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            self._process.stdout.readline()
        return self

    def __exit__(self, *exc):
        if self.path:
            self._process.stdin.write("stop\n")
            self._process.stdin.close()
            self.longest = float(self._process.stdout.readline())
            self._process.wait()
