"""On SQLite the centre import leaves the write lock free while it prepares, and a dry run never takes it.

SQLite has one write lock for the whole database (IMMEDIATE transactions take it at BEGIN): an
import holding it while it checks hundreds of centres and rooms makes every booking wait. These
tests run the import against a SQLite file of its own (`own_sqlite_file`, 0.2 s lock timeout),
with a second connection holding or probing the lock.
"""

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from tests.facilities.centre_csv import centre_row, write_centres, write_rooms
from tests.sqlite_lock import write_lock_held, write_lock_is_free

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.facilities.actions import centre_import
from machi.facilities.importers import import_path
from machi.facilities.models import Centre, FeeExemption, Room, TimeBlock
from machi.ledger.models import Ward

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="one write lock for the whole database is SQLite's alone"
)

CENTRES = [centre_row(名称=f"センター{n}", 減免率_NPO="50") for n in range(1, 41)]
ROOMS = [
    ["中央区", f"センター{n}", room, "20", "", "500", "", ""]
    for n in range(1, 41)
    for room in ("和室", "会議室")
]


@pytest.fixture
def city(own_sqlite_file):
    Ward.objects.create(code="431010", name="中央区", city_name="熊本市", city_code="431001")
    return own_sqlite_file


def files(tmp_path, centres=CENTRES, rooms=ROOMS, name=""):
    return write_centres(tmp_path, centres, name=f"centres{name}.csv"), write_rooms(
        tmp_path, rooms, name=f"rooms{name}.csv"
    )


def stored():
    return (
        list(Centre.objects.order_by("id").values_list("name", "phone")),
        list(Room.objects.order_by("id").values_list("centre_id", "name", "fee_per_block_yen")),
        list(FeeExemption.objects.order_by("id").values_list("centre_id", "percent")),
        TimeBlock.objects.count(),
        AuditEntry.objects.count(),
    )


def changed_files(tmp_path):
    """One centre's phone and 減免 changed, a room's fee changed, a new centre with a room."""
    centres = [*CENTRES, centre_row(名称="新しいセンター")]
    centres[0] = centre_row(名称="センター1", 電話番号="096-111-2222", 減免率_NPO="30")
    rooms = [*ROOMS, ["中央区", "新しいセンター", "ホール", "80", "", "1000", "はい", ""]]
    rooms[1] = ["中央区", "センター1", "会議室", "20", "", "600", "", ""]
    return files(tmp_path, centres, rooms, name="-changed")


def test_a_dry_run_succeeds_while_another_connection_holds_the_write_lock(city, tmp_path):
    centres, rooms = files(tmp_path)
    import_path(centres, rooms=rooms, actor=SYSTEM)
    before = stored()
    centres, rooms = changed_files(tmp_path)
    with write_lock_held(city), CaptureQueriesContext(connection) as queries:
        report = import_path(centres, rooms=rooms, actor=SYSTEM, dry_run=True)
    statements = {q["sql"].lstrip().split(None, 1)[0].upper() for q in queries.captured_queries}
    assert statements == {"SELECT"}, "no transaction, no savepoint, no write"
    assert report.dry_run
    assert (report.centres.created, report.centres.updated, report.centres.unchanged) == (1, 1, 39)
    assert (report.rooms.created, report.rooms.updated, report.rooms.unchanged) == (1, 1, 79)
    assert stored() == before


def test_an_import_prepares_without_the_write_lock_and_takes_it_only_to_write(city, tmp_path, monkeypatch):
    centres, rooms = files(tmp_path)
    import_path(centres, rooms=rooms, actor=SYSTEM)
    seen = []
    plan, write_plan, check = centre_import._plan, centre_import._write, centre_import._check_unchanged

    def planning_under_a_held_lock(*args, **kwargs):
        # The whole plan is made while another connection holds the write lock: it needs none.
        with write_lock_held(city):
            made = plan(*args, **kwargs)
        seen.append(("planned, lock free after", write_lock_is_free(city)))
        return made

    def writing(*args, **kwargs):
        seen.append(("writing, lock free before", write_lock_is_free(city)))
        write_plan(*args, **kwargs)
        seen.append(("written, lock free after", write_lock_is_free(city)))

    def checking(*args, **kwargs):
        seen.append(("checking, lock free", write_lock_is_free(city)))
        check(*args, **kwargs)

    monkeypatch.setattr(centre_import, "_plan", planning_under_a_held_lock)
    monkeypatch.setattr(centre_import, "_write", writing)
    monkeypatch.setattr(centre_import, "_check_unchanged", checking)
    centres, rooms = changed_files(tmp_path)
    report = import_path(centres, rooms=rooms, actor=SYSTEM)
    assert (report.centres.created, report.centres.updated, report.rooms.created, report.rooms.updated) == (
        1,
        1,
        1,
        1,
    )
    assert seen == [
        ("planned, lock free after", True),
        ("writing, lock free before", True),
        ("checking, lock free", False),  # the write transaction holds it, from its check to its commit
        ("written, lock free after", True),
    ]
    new = Centre.objects.get(name="新しいセンター")
    assert [b.code for b in new.blocks.all()] == ["morning", "afternoon", "evening"]
    assert new.rooms.get().name == "ホール"
    assert Room.objects.get(centre__name="センター1", name="会議室").fee_per_block_yen == 600


def test_a_real_import_waits_for_the_write_lock_and_says_the_database_is_busy(city, tmp_path):
    before = stored()
    centres, rooms = files(tmp_path)
    with write_lock_held(city), pytest.raises(OperationalError, match="locked"):
        import_path(centres, rooms=rooms, actor=SYSTEM)
    assert stored() == before
