"""The `machi` command end to end, as a person runs it: a fresh database, real files, exit codes."""

import csv
import io
import subprocess
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook
from tests.conftest import DATASET, MACHI


def run(*args, env):
    return subprocess.run([MACHI, *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_command_line_imports_refuses_and_exports(tmp_path, command_env):
    env = command_env
    demo = run("demo", env=env)
    assert demo.returncode == 0, demo.stderr
    assert "新規 73 件" in demo.stdout
    assert "変更なし 73 件" in run("demo", env=env).stdout

    bad = tmp_path / "bad.csv"
    bad.write_text(
        (DATASET / "ledger.csv").read_text(encoding="utf-8").replace(",1798\n", ",1,798x\n"), encoding="utf-8"
    )
    refused = run("ledger", "import", str(bad), env=env)
    assert refused.returncode != 0
    assert "bad.csv 2行目" in refused.stderr and "何も書き込んでいません" in refused.stderr

    exported = run("ledger", "export", "--year", "令和4年度", "--ward", "中央区", "--format", "csv", env=env)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert len(rows) == 15 and {r["ward"] for r in rows} == {"中央区"}
    assert next(r for r in rows if r["no"] == "1")["settled"] == "1798"

    check = run("ledger", "check", "--year", "2022", env=env)
    assert check.returncode == 0 and "南区: 6 件" in check.stdout

    # Carrying 中央区 forward to FY2023, its 当初予算 from a sheet: a dry run prints it, the real run writes it.
    budget = tmp_path / "budget.xlsx"
    workbook = Workbook()
    workbook.active.append(["No.", "事業名", "当初予算（千円）"])
    workbook.active.append([1, "地域コミュニティセンターのデジタル化実証実験事業", "1,900"])
    workbook.save(budget)
    carry = (
        "ledger",
        "carry-forward",
        "--ward",
        "中央区",
        "--from",
        "2022",
        "--to",
        "令和5年度",
        "--initial",
        str(budget),
    )
    dry = run(*carry, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "【試行・書き込みなし】令和4年度 中央区 → 令和5年度 中央区" in dry.stdout
    assert "当初予算 1,900 千円" in dry.stdout
    carried = run(*carry, env=env)
    assert carried.returncode == 0, carried.stderr
    assert "事業 15 件、当初予算の合計 1,900 千円、金額の履歴 1 件" in carried.stdout
    assert "【試行" not in carried.stdout


def test_a_dry_run_prints_what_would_change(kumamoto, tmp_path):
    changed = tmp_path / "revised.csv"
    changed.write_text(
        (DATASET / "ledger.csv").read_text(encoding="utf-8").replace(",1798\n", ",1700\n"), encoding="utf-8"
    )
    out = StringIO()
    call_command("ledger", "import", str(changed), "--dry-run", stdout=out, stderr=StringIO())
    assert "決算額 1,798 → 1,700" in out.getvalue()
    assert "【試行・書き込みなし】" in out.getvalue()
    from machi.ledger.models import Project

    assert Project.objects.get(programme__ward__name="中央区", no=1).settled_yen == 1_798_000


@pytest.mark.django_db
def test_export_names_what_is_missing():
    with pytest.raises(CommandError, match="台帳がありません"):
        call_command("ledger", "export", "--year", "2030")
    with pytest.raises(CommandError, match="年度を読み取れません"):
        call_command("ledger", "export", "--year", "来年")


def test_carrying_forward_refuses_a_year_already_planned_and_writes_nothing(kumamoto, tmp_path):
    call_command(
        "ledger", "carry-forward", "--ward", "中央区", "--from", "2022", "--to", "2023", stdout=StringIO()
    )
    from machi.ledger.models import Project

    count = Project.objects.count()
    with pytest.raises(CommandError, match=r"すでに事業があります.*何も書き込んでいません"):
        call_command("ledger", "carry-forward", "--ward", "中央区", "--from", "2022", "--to", "2023")
    bad = tmp_path / "bad.csv"
    bad.write_text("No.,事業名,当初予算\n99,,100\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 件の問題"):
        call_command(
            "ledger",
            "carry-forward",
            "--ward",
            "東区",
            "--from",
            "2022",
            "--to",
            "2023",
            "--initial",
            str(bad),
            stderr=StringIO(),
        )
    assert Project.objects.count() == count
