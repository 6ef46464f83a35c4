"""A Machi dataset folder: `dataset.json` (wards, programmes, pillars, themes) + `ledger.csv`.

The canonical CSV carries the projects and their money; what it cannot carry
(the ward's vision and priorities, the pillars' order and descriptions, the
allocation, each project's themes) lives in dataset.json beside it.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from machi.core.money import THOUSAND_YEN, parse_amount
from machi.core.text import name_key
from machi.ledger import actions
from machi.ledger.importers.csv_reader import read_csv
from machi.ledger.importers.rows import LedgerImportError, Problem
from machi.ledger.models import Project, Ward


class _Rollback(Exception):
    pass


def import_dataset(folder: Path, *, source: str, actor, dry_run: bool = False):
    meta_path, csv_path = folder / "dataset.json", folder / "ledger.csv"
    for path in (meta_path, csv_path):
        if not path.exists():
            raise LedgerImportError([Problem(str(path), None, None, "データセットのファイルがありません")])
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise LedgerImportError(
            [Problem(meta_path.name, None, None, f"JSONとして読めません: {error}")]
        ) from None
    result = read_csv(csv_path)
    if result.problems:
        raise LedgerImportError(result.problems)
    report = None
    try:
        with transaction.atomic():
            _apply_wards_and_programmes(meta, meta_path.name, actor=actor)
            report = actions.import_ledger(result.rows, source=source, actor=actor)
            report.warnings[:0] = result.warnings
            _apply_themes(meta, meta_path.name, actor=actor)
            if dry_run:
                report.dry_run = True
                raise _Rollback
    except _Rollback:
        pass
    return report


def _apply_wards_and_programmes(meta: dict, source: str, *, actor) -> None:
    """Wards (a city administrator's to define) and each programme's profile."""
    try:
        for entry in meta["wards"]:
            ward = Ward.objects.filter(code=entry["code"]).first() or Ward(code=entry["code"])
            for name in ("name", "name_en", "city_name", "city_code"):
                setattr(ward, name, entry.get(name, ""))
            actions.save_ward(actor=actor, ward=ward)
        for programme in meta["programmes"]:
            actions.save_programme_profile(
                actor=actor,
                ward=Ward.objects.get(code=programme["ward_code"]),
                fiscal_year=int(programme["fiscal_year"]),
                allocation_yen=parse_amount(programme.get("allocation"), unit=THOUSAND_YEN),
                vision=programme.get("vision", ""),
                priorities="\n".join(programme.get("priorities", [])),
                pillars=[(p["name"], p.get("description", "")) for p in programme.get("pillars", [])],
            )
    except (KeyError, TypeError, ValueError, ValidationError, Ward.DoesNotExist) as error:
        raise LedgerImportError(
            [Problem(source, None, None, f"区・年度の定義が不正です: {error!r}")]
        ) from None


def _apply_themes(meta: dict, source: str, *, actor) -> None:
    problems = []
    for entry in meta.get("themes", []):
        projects = Project.objects.filter(
            programme__ward__code=entry["ward_code"],
            programme__fiscal_year=int(entry["fiscal_year"]),
            name_key=name_key(entry["name"]),
        )
        project = projects.first()
        if project is None:
            problems.append(Problem(source, None, None, f"テーマの対象事業がありません: {entry['name']}"))
            continue
        actions.tag_project(project, entry["themes"], actor=actor)
    if problems:
        raise LedgerImportError(problems)
