"""A centre import is planned from the database as it stands, then written: a change in between refuses it whole.

Between the plan (read without the write lock) and the short transaction that writes it, another
writer may change what the plan relied on: a centre, a room, a 減免, a ward, the linked project.
The import then answers 409 and writes nothing; the other writer's change stands. A dry run is the
plan alone: it only reads, and reports what the import then does.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from tests.facilities.centre_csv import centre_row, write_centres, write_rooms

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.facilities.actions import CentresChangedDuringImport, centre_import, save_centre
from machi.facilities.importers import import_path
from machi.facilities.models import Centre, FeeExemption, Room, TimeBlock
from machi.ledger.models import Project, Ward

pytestmark = pytest.mark.django_db

SHIRAKAWA = "白川地域コミュニティセンター"
SEED_CENTRES = [
    centre_row(名称=SHIRAKAWA, 減免率_NPO="50", 事業年度="2022", 事業No="1"),
    centre_row(名称="碩台地域コミュニティセンター", 減免率_自治会="100"),
]
SEED_ROOMS = [
    ["中央区", SHIRAKAWA, "和室", "20", "", "600", "", ""],
    ["中央区", SHIRAKAWA, "多目的ホール", "80", "マイク", "1500", "はい", "2"],
]
# Changes a phone, a 減免 and a fee, removes a 減免, adds a centre with its room and a room of a stored centre.
CHANGED_CENTRES = [
    centre_row(名称=SHIRAKAWA, 電話番号="096-111-2222", 減免率_NPO="30", 事業年度="2022", 事業No="1"),
    centre_row(名称="碩台地域コミュニティセンター", 減免率_自治会=""),
    centre_row(名称="新しいセンター", 減免率_NPO="20"),
]
CHANGED_ROOMS = [
    ["中央区", SHIRAKAWA, "和室", "20", "", "700", "", ""],
    ["中央区", SHIRAKAWA, "会議室", "12", "", "400", "", ""],
    ["中央区", "新しいセンター", "ホール", "60", "", "1000", "", ""],
]


def seed(tmp_path):
    import_path(
        write_centres(tmp_path, SEED_CENTRES, name="seed.csv"),
        rooms=write_rooms(tmp_path, SEED_ROOMS, name="seed-rooms.csv"),
        actor=SYSTEM,
    )


def changed(tmp_path):
    return write_centres(tmp_path, CHANGED_CENTRES), write_rooms(tmp_path, CHANGED_ROOMS)


def stored():
    return (
        list(Ward.objects.order_by("code").values_list("code", "name")),
        list(Centre.objects.order_by("id").values_list("ward_id", "name", "phone", "project_id")),
        list(Room.objects.order_by("id").values_list("centre_id", "name", "fee_per_block_yen", "position")),
        list(FeeExemption.objects.order_by("id").values_list("centre_id", "group_kind", "percent")),
        list(TimeBlock.objects.order_by("id").values_list("centre_id", "code")),
        list(AuditEntry.objects.order_by("id").values_list("action", "object_id", "before", "after")),
    )


def a_centre_is_renamed():
    Centre.objects.filter(name="碩台地域コミュニティセンター").update(name="碩台コミセン")


def the_new_centre_is_created():
    save_centre(actor=SYSTEM, centre=Centre(ward=Ward.objects.get(code="431010"), name="新しいセンター"))


def a_room_fee_is_changed():
    Room.objects.filter(name="多目的ホール").update(fee_per_block_yen=1800)


def a_room_is_added():
    Room.objects.create(centre=Centre.objects.get(name=SHIRAKAWA), name="会議室", capacity=10, position=3)


def an_exemption_is_removed():
    FeeExemption.objects.filter(group_kind="jichikai").delete()


def the_linked_project_is_renumbered():
    Project.objects.filter(centres__name=SHIRAKAWA).update(no=99)


def a_ward_is_renamed():
    Ward.objects.filter(code="431010").update(name="中央")


@pytest.mark.parametrize(
    "change",
    [
        a_centre_is_renamed,
        the_new_centre_is_created,
        a_room_fee_is_changed,
        a_room_is_added,
        an_exemption_is_removed,
        the_linked_project_is_renumbered,
        a_ward_is_renamed,
    ],
)
def test_a_change_between_planning_and_writing_refuses_the_import_and_writes_nothing(
    tmp_path, kumamoto, monkeypatch, change
):
    seed(tmp_path)
    write_plan = centre_import._write
    meanwhile = {}

    def another_writer_first(plan, *, actor):
        change()
        meanwhile["state"] = stored()
        write_plan(plan, actor=actor)

    monkeypatch.setattr(centre_import, "_write", another_writer_first)
    centres, rooms = changed(tmp_path)
    with pytest.raises(CentresChangedDuringImport) as refused:
        import_path(centres, rooms=rooms, actor=SYSTEM)
    assert refused.value.status == 409
    assert refused.value.messages == [
        "取り込みの準備中にセンターまたは部屋が変更されました。もう一度取り込んでください"
    ]
    assert stored() == meanwhile["state"], "the other writer's change stands, and nothing of the import"


def test_without_a_change_in_between_the_same_import_is_written(tmp_path, kumamoto):
    seed(tmp_path)
    centres, rooms = changed(tmp_path)
    report = import_path(centres, rooms=rooms, actor=SYSTEM)
    assert (report.centres.created, report.centres.updated, report.centres.unchanged) == (1, 2, 0)
    assert (report.rooms.created, report.rooms.updated, report.rooms.unchanged) == (2, 1, 0)
    shirakawa = Centre.objects.get(name=SHIRAKAWA)
    assert shirakawa.phone == "096-111-2222"
    assert list(shirakawa.rooms.values_list("name", "fee_per_block_yen", "position")) == [
        ("和室", 700, 1),
        ("多目的ホール", 1500, 2),
        ("会議室", 400, 3),
    ]
    new = Centre.objects.get(name="新しいセンター")
    assert [b.code for b in new.blocks.all()] == ["morning", "afternoon", "evening"]
    assert list(new.exemptions.values_list("group_kind", "percent")) == [("npo", 20)]
    assert not FeeExemption.objects.filter(centre__name="碩台地域コミュニティセンター").exists()
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))[-8:]
    assert actions == [
        "facilities.save_centre",  # 白川's phone, then its 減免
        "facilities.save_feeexemption",
        "facilities.delete_feeexemption",  # 碩台's 減免 (the centre itself unchanged)
        "facilities.save_centre",  # the new centre, then its 減免
        "facilities.save_feeexemption",
        "facilities.save_room",  # 和室's fee, the new 会議室, the new centre's ホール
        "facilities.save_room",
        "facilities.save_room",
    ]


def test_a_dry_run_only_reads_and_reports_what_the_import_then_does(tmp_path, kumamoto):
    seed(tmp_path)
    before = stored()
    centres, rooms = changed(tmp_path)
    with CaptureQueriesContext(connection) as queries:
        dry = import_path(centres, rooms=rooms, actor=SYSTEM, dry_run=True)
    statements = [q["sql"].lstrip().split(None, 1)[0].upper() for q in queries.captured_queries]
    # Only reads. Inside a transaction (here, the test's) Django checks a model's check constraints in a
    # savepoint; outside one, as the import runs, it does not (test_import_write_lock.py: SELECT alone).
    assert statements and set(statements) <= {"SELECT", "SAVEPOINT", "RELEASE"}, "no write"
    assert stored() == before
    real = import_path(centres, rooms=rooms, actor=SYSTEM)
    assert dry.dry_run and not real.dry_run
    assert (dry.centres, dry.rooms, dry.lines, dry.warnings) == (
        real.centres,
        real.rooms,
        real.lines,
        real.warnings,
    )
    assert dry.lines == [
        f"更新: 中央区 {SHIRAKAWA}（電話番号、減免率_NPO）",
        "更新: 中央区 碩台地域コミュニティセンター（減免率_自治会）",
        "新規: 中央区 新しいセンター",
        f"更新: 中央区 {SHIRAKAWA} 和室（1区分の使用料（円））",
        f"新規: 中央区 {SHIRAKAWA} 会議室",
        "新規: 中央区 新しいセンター ホール",
    ]


def test_the_command_line_says_the_centres_changed_and_nothing_was_written(tmp_path, kumamoto, monkeypatch):
    seed(tmp_path)
    write_plan = centre_import._write

    def another_writer_first(plan, *, actor):
        a_room_fee_is_changed()
        write_plan(plan, actor=actor)

    monkeypatch.setattr(centre_import, "_write", another_writer_first)
    centres, rooms = changed(tmp_path)
    with pytest.raises(CommandError, match=r"センターまたは部屋が変更されました.*何も書き込んでいません"):
        call_command("facilities", "import", str(centres), "--rooms", str(rooms), stdout=StringIO())


def test_the_refusal_speaks_english_when_asked():
    with translation.override("en"):
        message = centre_import._changed().messages[0]
    assert "changed" in message and "again" in message
