"""`machi demo` loads the ledger, then the demo centres and rooms; a second run changes nothing."""

import csv
import io
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command

from machi.audit.models import AuditEntry
from machi.facilities.exporters import export_centres, export_rooms
from machi.facilities.models import Centre, Room

pytestmark = pytest.mark.django_db
DATA = settings.MACHI_DATA_DIR / "kumamoto-fy2022"


@pytest.fixture
def demo(capsys):
    call_command("demo")
    return capsys.readouterr().out


def test_the_demo_loads_centres_as_shipped_and_a_second_run_changes_nothing(demo, capsys):
    """One `machi demo` (seconds of work) and what it left, looked at from each side; then a second run."""
    the_demo_has_centres_in_every_ward_with_rooms_fees_approval_and_exemptions(demo)
    chuo_s_centres_belong_to_its_fy2022_no1_and_the_others_to_no_project()
    the_shipped_files_are_what_the_export_writes()
    a_second_run_changes_nothing(capsys)


def the_demo_has_centres_in_every_ward_with_rooms_fees_approval_and_exemptions(demo):
    assert "デモのセンター: センター 新規 11 件、更新 0 件、変更なし 0 件／部屋 新規 38 件" in demo
    per_ward = Counter(Centre.objects.values_list("ward__name", flat=True))
    assert per_ward == {"中央区": 3, "東区": 2, "西区": 2, "南区": 2, "北区": 2}
    for centre in Centre.objects.prefetch_related("rooms", "exemptions"):
        assert centre.rooms.count() >= 3 and centre.school_district
        assert all(room.fee_per_block_yen > 0 for room in centre.rooms.all())
        assert dict(centre.exemptions.values_list("group_kind", "percent")) == {
            "jichikai": 100,
            "kouku": 100,
            "npo": 50,
        }
        assert "実在のセンターのものではありません" in centre.notes
        assert [b.code for b in centre.blocks.all()] == ["morning", "afternoon", "evening"]
    assert Room.objects.filter(centre__ward__name="中央区", requires_approval=True).exists()


def chuo_s_centres_belong_to_its_fy2022_no1_and_the_others_to_no_project():
    for centre in Centre.objects.select_related("project__programme__ward", "ward"):
        if centre.ward.name == "中央区":
            programme = centre.project.programme
            assert (programme.ward.name, programme.fiscal_year, centre.project.no) == ("中央区", 2022, 1)
            assert centre.project.name == "地域コミュニティセンターのデジタル化実証実験事業"
        else:
            assert centre.project is None


def a_second_run_changes_nothing(capsys):
    entries = AuditEntry.objects.count()
    call_command("demo")
    out = capsys.readouterr().out
    assert "変更なし 73 件" in out
    assert (
        "デモのセンター: センター 新規 0 件、更新 0 件、変更なし 11 件／部屋 新規 0 件、更新 0 件、変更なし 38 件"
        in out
    )
    assert AuditEntry.objects.count() == entries


def the_shipped_files_are_what_the_export_writes():
    """The demo files are a real export: the same bytes, but for the NO column (this database's ids)."""

    def without_no(data: bytes):
        return [row[:1] + row[2:] for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))]

    centres, rooms = io.BytesIO(), io.BytesIO()
    export_centres(centres)
    export_rooms(rooms)
    assert without_no(centres.getvalue()) == without_no((DATA / "centres.csv").read_bytes())
    assert rooms.getvalue() == (DATA / "rooms.csv").read_bytes()
    assert (DATA / "centres.csv").read_bytes().startswith("\ufeff".encode())


def test_the_readme_says_the_centres_details_are_illustrative():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert "illustrative" in readme and "not the real centres' data" in readme
    assert "centres.csv" in readme and "No.1" in readme
