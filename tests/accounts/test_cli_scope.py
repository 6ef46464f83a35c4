"""The command line is held to the same scope: `machi ledger import --user` acts as that person."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from machi.ledger.models import Project

NISHI_ROW = "2022,431036,西区,,2,西区地域コミュニティづくり支援事業,継続,補助金,2000,1282,1111\n"
HEADER = "fiscal_year,ward_code,ward,pillar,no,name,status,description,initial,revised,settled\n"


def test_an_import_as_staff_of_another_ward_is_refused_and_writes_nothing(people, tmp_path):
    path = tmp_path / "nishi.csv"
    path.write_text(HEADER + NISHI_ROW, encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="何も書き込んでいません"):
        call_command("ledger", "import", str(path), "--user", "higashi", stdout=StringIO(), stderr=err)
    assert "西区の台帳を変更する権限がありません" in err.getvalue()
    assert Project.objects.get(pk=people["nishi_project"].pk).settled_yen == 1_228_000


def test_an_import_as_staff_of_the_ward_is_written_with_their_name(people, tmp_path):
    path = tmp_path / "nishi.csv"
    path.write_text(HEADER + NISHI_ROW, encoding="utf-8")
    call_command("ledger", "import", str(path), "--user", "nishi", stdout=StringIO(), stderr=StringIO())
    project = Project.objects.get(pk=people["nishi_project"].pk)
    assert project.settled_yen == 1_111_000
    assert project.figure_changes.last().changed_by == people["nishi_staff"]


def test_an_unknown_or_inactive_user_is_refused(people, tmp_path):
    path = tmp_path / "nishi.csv"
    path.write_text(HEADER + NISHI_ROW, encoding="utf-8")
    with pytest.raises(CommandError, match="見つからないか、無効"):
        call_command("ledger", "import", str(path), "--user", "nobody", stdout=StringIO(), stderr=StringIO())
