"""SQLite's one write lock, seen from another connection: held for a while, or probed.

For tests that prove an import plans without the lock and takes it only to write; they run
against a SQLite file of their own (the `own_sqlite_file` fixture).
"""

import sqlite3
from contextlib import contextmanager


@contextmanager
def write_lock_held(path):
    """Another process's view: a connection holding SQLite's write lock until the block ends."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.execute("ROLLBACK")
        other.close()


def write_lock_is_free(path) -> bool:
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        probe.close()
