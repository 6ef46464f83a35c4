import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.test import override_settings
from tests.dataset_snapshot import DatasetSnapshot

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DATASET = Path(__file__).resolve().parent.parent / "data" / "kumamoto-fy2022"
MACHI = str(Path(sys.executable).parent / "machi")


# Seconds a module takes on CI's SQLite run (measured with --durations on the 2-core machine), for the
# modules that take longest; `_longest_modules_first` runs them first. Any other module is estimated
# from its tests: a browser test as a walk, any other as a quick one.
MODULE_SECONDS = {
    "tests/browser/test_booking_flow.py": 76,
    "tests/browser/test_ward_year_walk.py": 65,
    "tests/browser/test_grants_flow.py": 51,
    "tests/browser/test_request_flow.py": 49,
    "tests/browser/test_accounts_flow.py": 46,
    "tests/browser/test_lottery_flow.py": 45,
    "tests/browser/test_event_flow.py": 43,
    "tests/ledger/test_cli.py": 40,
    "tests/accounts/test_token_cli.py": 36,
    "tests/test_english_crawl.py": 33,
    "tests/accounts/test_security.py": 30,
    "tests/test_demo_current_year.py": 27,
    "tests/browser/test_report_pages.py": 25,
    "tests/facilities/test_demo_centres.py": 22,
    "tests/browser/test_carry_forward_flow.py": 20,
    "tests/facilities/test_race.py": 19,
    "tests/browser/test_project_outcomes.py": 18,
    "tests/events/test_race.py": 16,
    "tests/browser/test_ledger_pages.py": 16,
    "tests/test_public_crawl.py": 14,
    "tests/browser/test_schedule_flow.py": 14,
    "tests/browser/test_event_door.py": 11,
    "tests/browser/test_staff_home.py": 10,
    "tests/requests/test_fund_race.py": 10,
    "tests/events/test_demo.py": 9,
    "tests/browser/test_event_expenses.py": 9,
    "tests/browser/test_english_pages.py": 9,
}
BROWSER_TEST_SECONDS = 8
TEST_SECONDS = 0.2


def pytest_collection_modifyitems(config, items):
    _one_size_where_pages_are_checked_elsewhere(config, items)
    _longest_modules_first(items)


def _longest_modules_first(items) -> None:
    """The modules in the order of the time they take, longest first, each module's tests in their order.

    pytest-xdist's `--dist loadscope` hands a worker one module at a time, in the order collected
    (`make test` turns off its own reordering, by number of tests, which put the few long browser
    walks and crawls last): a long module left for the end keeps one worker busy while the other has
    nothing to do. Longest first, the short ones at the end even out the workers.
    """
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)

    from tests.browser.support import PAGE_CHECKS

    def seconds(module: str) -> float:
        tests = modules[module]
        browser = sum(1 for item in tests if item.get_closest_marker("browser"))
        if module in MODULE_SECONDS:
            # Without the page checks a walk runs at one size and takes 60 % of its time (support.py).
            return MODULE_SECONDS[module] * (1 if PAGE_CHECKS or not browser else 0.3)
        return browser * BROWSER_TEST_SECONDS + (len(tests) - browser) * TEST_SECONDS

    ordered = sorted(modules, key=seconds, reverse=True)  # stable: equal modules keep their order
    _not_both_workers_waiting_for_the_migrated_sqlite_file(ordered, modules)
    items[:] = [item for module in ordered for item in modules[module]]


def _not_both_workers_waiting_for_the_migrated_sqlite_file(ordered: list[str], modules: dict) -> None:
    """Where the suite runs on PostgreSQL, `migrated_sqlite_file` is made by a `machi migrate` of its own
    (seconds), one worker at a time: the two modules the workers start with do not both need it."""
    from django.db import connection

    if connection.vendor == "sqlite" or len(ordered) < 3:
        return

    def needs(module: str) -> bool:
        return any("migrated_sqlite_file" in getattr(item, "fixturenames", ()) for item in modules[module])

    if needs(ordered[0]) and needs(ordered[1]):
        other = next((module for module in ordered[2:] if not needs(module)), None)
        if other is not None:
            ordered.remove(other)
            ordered.insert(1, other)


def _one_size_where_pages_are_checked_elsewhere(config, items) -> None:
    """Where MACHI_PAGE_CHECKS=0 (CI's PostgreSQL run), each browser walk runs at one size, the desktop's.

    A walk at phone size differs from the desktop's in its layout, not in what the database does, and
    the SQLite run of the same CI has walked it at both sizes (tests/browser/support.py).
    """
    from tests.browser.support import PAGE_CHECKS

    if PAGE_CHECKS:
        return
    phone = {
        item
        for item in items
        if getattr(item, "callspec", None) and item.callspec.params.get("viewport") == "phone"
    }
    if phone:
        config.hook.pytest_deselected(items=[item for item in items if item in phone])
        items[:] = [item for item in items if item not in phone]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright. CI (MACHI_REQUIRE_BROWSER=1) fails rather than skips."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("MACHI_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required here: apt-get install -y chromium")
        pytest.skip("Chromium is not installed (apt-get install -y chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/ for a person to look at.

    Not where MACHI_PAGE_CHECKS=0 (CI's PostgreSQL run: the SQLite run pictured the same pages).
    """
    from tests.browser.support import PAGE_CHECKS

    def take(name: str) -> Path:
        from playwright.sync_api import Error as PlaywrightError

        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        if not PAGE_CHECKS:
            return path
        # Headless Chromium now and then answers "Unable to capture screenshot" while it is busy
        # painting (seen in CI on a loaded machine); the picture is for a person, so it is taken again.
        for attempt in range(3):
            try:
                page.screenshot(path=str(path), full_page=True)
                return path
            except PlaywrightError as error:
                if "Unable to capture screenshot" not in str(error) or attempt == 2:
                    raise
                page.wait_for_timeout(250)
        raise AssertionError("unreachable")

    return take


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """The test database, with the shipped dataset imported once through the real importer and kept aside."""
    with django_db_blocker.unblock():
        _keep_the_migrated_test_database(tmp_path_factory)
        yield DatasetSnapshot.take(DATASET, source="data/kumamoto-fy2022")


_migrated_copy: list[Path] = []  # the SQLite test database as migrated, copied to a file (SQLite runs only)


def _keep_the_migrated_test_database(tmp_path_factory) -> None:
    """On SQLite, copy the just-migrated test database to a file: `migrated_sqlite_file` starts from it.

    It is what `machi migrate` makes (the same migrations, run by the test runner before any test
    wrote), and copying it takes milliseconds where a second `migrate` takes seconds per worker.
    """
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite":
        return
    path = tmp_path_factory.mktemp("migrated-test-database") / "machi.sqlite3"
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)
    _migrated_copy.append(path)


@pytest.fixture(scope="session", autouse=True)
def fast_password_hasher():
    """MD5 instead of PBKDF2's million rounds: hashing is not what most tests prove.

    tests/accounts/test_password_hashing.py checks the production hasher itself.
    """
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    fast.enable()
    yield
    fast.disable()


@pytest.fixture
def kumamoto(db, django_db_setup):
    """The shipped Kumamoto FY2022 dataset, as the real importer wrote it (rolled back after the test)."""
    return django_db_setup.restore()


@pytest.fixture
def ward_staff(db, django_user_model):
    """Make a member of staff of one or more wards: ward_staff("tanaka", ward, display_name=…)."""
    from machi.accounts.models import RoleGrant

    def make(username: str, *wards, **fields):
        user = django_user_model.objects.create_user(username, is_staff=True, **fields)
        for ward in wards:
            RoleGrant.objects.create(user=user, role="ward-staff", ward=ward)
        return user

    return make


@pytest.fixture
def chuo(db):
    """中央区 as the services' tests need it (no ledger imported): get or create."""
    from machi.ledger.models import Ward

    return Ward.objects.get_or_create(code="431010", defaults={"name": "中央区", "name_en": "Chuo"})[0]


@pytest.fixture
def higashi(db):
    from machi.ledger.models import Ward

    return Ward.objects.get_or_create(code="431028", defaults={"name": "東区", "name_en": "Higashi"})[0]


@pytest.fixture
def people(django_user_model):
    """Make residents: people(3) → three accounts with an address and a name."""

    def make(count: int, prefix: str = "resident"):
        return [
            django_user_model.objects.create_user(
                f"{prefix}{n}", email=f"{prefix}{n}@example.jp", display_name=f"住民 {prefix}{n}"
            )
            for n in range(count)
        ]

    return make


@pytest.fixture(autouse=True)
def japanese_after_each_test():
    """A test that switches to English (a page in English, a mail to an English speaker) leaves Japanese behind."""
    from django.utils import translation

    yield
    translation.activate("ja")


@pytest.fixture(scope="session")
def migrated_sqlite_file(request, tmp_path_factory) -> Path:
    """A migrated SQLite database, once per session: the SQLite test database as migrated, or where the
    suite runs on PostgreSQL, one made by `machi migrate` in a process of its own."""
    from django.db import connection

    if connection.vendor == "sqlite" and _sets_up_the_test_database(request.session):
        request.getfixturevalue("django_db_setup")
        return _migrated_copy[0]
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _migrate_sqlite_file(tmp_path_factory.mktemp("migrated"))
    # pytest-xdist's workers of this run share one: the first to ask migrates it, under a lock.
    shared = tmp_path_factory.getbasetemp().parent / "migrated-sqlite"
    shared.mkdir(exist_ok=True)
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "machi.sqlite3").exists():
            folder = Path(tempfile.mkdtemp(dir=shared))
            (_migrate_sqlite_file(folder)).rename(shared / "machi.sqlite3")
    return shared / "machi.sqlite3"


def _migrate_sqlite_file(folder: Path) -> Path:
    migrated = subprocess.run(
        [MACHI, "migrate", "-v0"], capture_output=True, text=True, env=_command_env(folder), timeout=300
    )
    assert migrated.returncode == 0, migrated.stderr
    return folder / "machi.sqlite3"


def _sets_up_the_test_database(session) -> bool:
    """Whether some test of this session uses the database, so pytest-django makes the test database."""
    uses = {"db", "transactional_db", "live_server"}
    return any(
        item.get_closest_marker("django_db") or uses & set(getattr(item, "fixturenames", ()))
        for item in session.items
    )


@pytest.fixture(scope="session")
def race_sqlite_template(request) -> Path | None:
    """For `bench.live_machi`'s servers in the tests: the migrated SQLite file to start from where the
    suite runs on SQLite (its `migrate` then finds nothing to do), None on PostgreSQL."""
    from django.db import connection

    return request.getfixturevalue("migrated_sqlite_file") if connection.vendor == "sqlite" else None


@pytest.fixture
def own_sqlite_file(migrated_sqlite_file, tmp_path, django_db_blocker) -> Path:
    """The default database, for this test, is a migrated SQLite file of its own with a 0.2 s lock timeout.

    For tests with another connection holding or probing SQLite's write lock (`tests.sqlite_lock`):
    an action that waited for the lock fails at once instead of after the settings' 20 s.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    path = tmp_path / "machi.sqlite3"
    shutil.copyfile(migrated_sqlite_file, path)
    own = connections.create_connection("default")
    own.settings_dict = {
        **own.settings_dict,
        "NAME": str(path),
        "OPTIONS": {**own.settings_dict["OPTIONS"], "timeout": 0.2},
    }
    kept = connections["default"]
    connections["default"] = own
    ContentType.objects.clear_cache()  # its ids are the file's, not the test database's
    try:
        with django_db_blocker.unblock():
            yield path
            own.close()
    finally:
        connections["default"] = kept
        ContentType.objects.clear_cache()


@pytest.fixture
def command_env(migrated_sqlite_file, tmp_path) -> dict:
    """The environment for running `machi` as a person does: a fresh, migrated database of the test's own."""
    shutil.copyfile(migrated_sqlite_file, tmp_path / "machi.sqlite3")
    return _command_env(tmp_path)


def _command_env(folder: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'machi.sqlite3'}",
        "MACHI_HOME": str(folder),  # the development secret key is written there, not in the tree
        "MACHI_DATA_DIR": str(DATASET.parent),
    }
    env.pop("MACHI_TEST_DATABASE_NAME", None)
    return env


@pytest.fixture
def mail_down(settings):
    """Mail goes to a server that is down (`tests.mail_down`); the fixture is the list of what was tried."""
    from tests.mail_down import MailServerDown

    settings.EMAIL_BACKEND = "tests.mail_down.MailServerDown"
    MailServerDown.tried = []
    return MailServerDown.tried
