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

WARD_FIELDS = ("name", "name_en", "city_name", "city_code")


def import_dataset(folder: Path, *, source: str, actor, dry_run: bool = False):
    """Wards, programmes, the ledger's rows and the projects' themes, all or nothing.

    A dry run writes nothing and opens no transaction (on SQLite one would take the write
    lock): the definitions are read as the real run reads them, the rows are planned by
    `import_ledger`, and each theme must name a project that exists or that the rows make.
    """
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
    wards, programmes = _definitions(meta, meta_path.name)
    themes = _themes(meta, meta_path.name)
    if dry_run:
        report = actions.import_ledger(result.rows, source=source, actor=actor, dry_run=True)
        made = {(row.ward_code, row.fiscal_year, name_key(row.name)) for row in result.rows}
        _require_theme_projects(themes, meta_path.name, lambda key: key in made or _stored_project(key))
    else:
        with transaction.atomic():
            _save_definitions(wards, programmes, meta_path.name, actor=actor)
            report = actions.import_ledger(result.rows, source=source, actor=actor)
            found = _require_theme_projects(themes, meta_path.name, _stored_project)
            for project, names in found:
                actions.tag_project(project, names, actor=actor)
    report.warnings[:0] = result.warnings
    return report


def _definitions(meta: dict, source: str) -> tuple[list[dict], list[dict]]:
    """The wards (a city administrator's to define) and each programme's profile, read and checked."""
    try:
        wards = [
            {"code": str(entry["code"]), **{name: entry.get(name, "") for name in WARD_FIELDS}}
            for entry in meta["wards"]
        ]
        programmes = [
            {
                "ward_code": str(programme["ward_code"]),
                "fiscal_year": int(programme["fiscal_year"]),
                "allocation_yen": parse_amount(programme.get("allocation"), unit=THOUSAND_YEN),
                "vision": programme.get("vision", ""),
                "priorities": "\n".join(programme.get("priorities", [])),
                "pillars": [(p["name"], p.get("description", "")) for p in programme.get("pillars", [])],
            }
            for programme in meta["programmes"]
        ]
    except (KeyError, TypeError, ValueError, ValidationError) as error:
        raise _definition_error(source, error) from None
    return wards, programmes


def _save_definitions(wards: list[dict], programmes: list[dict], source: str, *, actor) -> None:
    try:
        for entry in wards:
            ward = Ward.objects.filter(code=entry["code"]).first() or Ward(code=entry["code"])
            for name in WARD_FIELDS:
                setattr(ward, name, entry[name])
            actions.save_ward(actor=actor, ward=ward)
        for programme in programmes:
            ward_code, profile = (
                programme["ward_code"],
                {k: v for k, v in programme.items() if k != "ward_code"},
            )
            actions.save_programme_profile(actor=actor, ward=Ward.objects.get(code=ward_code), **profile)
    except (ValidationError, Ward.DoesNotExist) as error:
        raise _definition_error(source, error) from None


def _definition_error(source: str, error: Exception) -> LedgerImportError:
    return LedgerImportError([Problem(source, None, None, f"区・年度の定義が不正です: {error!r}")])


def _themes(meta: dict, source: str) -> list[tuple[tuple[str, int, str], str, list[str]]]:
    """Each entry's project as (ward code, year, name key), its name as written, and its themes."""
    try:
        return [
            ((str(e["ward_code"]), int(e["fiscal_year"]), name_key(e["name"])), e["name"], list(e["themes"]))
            for e in meta.get("themes", [])
        ]
    except (KeyError, TypeError, ValueError) as error:
        raise LedgerImportError([Problem(source, None, None, f"テーマの定義が不正です: {error!r}")]) from None


def _stored_project(key: tuple[str, int, str]) -> Project | None:
    ward_code, fiscal_year, key_of_name = key
    return Project.objects.filter(
        programme__ward__code=ward_code, programme__fiscal_year=fiscal_year, name_key=key_of_name
    ).first()


def _require_theme_projects(themes, source: str, find) -> list[tuple[object, list[str]]]:
    """(project, themes) for each entry, found by `find`; an entry whose project is missing is a problem."""
    found, problems = [], []
    for key, name, names in themes:
        project = find(key)
        if not project:
            problems.append(Problem(source, None, None, f"テーマの対象事業がありません: {name}"))
            continue
        found.append((project, names))
    if problems:
        raise LedgerImportError(problems)
    return found
