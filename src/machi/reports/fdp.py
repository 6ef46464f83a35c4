"""The year's ward budgets as open data: a Fiscal Data Package (0.3).

A Tabular Data Package — `datapackage.json`, `budget.csv` (one row per
project), `themes.csv` (one row per project × theme) — whose `model` maps the
columns to the fiscal concepts: the three stages of a project's money are
measures in yen (当初予算 → approved, 2月補正後 → adjusted, 決算額 → executed),
the ward, pillar, project, theme and fiscal year are dimensions.

Choices, and why:
- `profile` is "tabular-data-package", and FDP 0.3's own marker
  `"profiles": {"fiscal": "*", "tabular": "*"}` says it is fiscal. The
  published fiscal-data-package JSON Schema itself requires
  `profile: "tabular-data-package"`, and frictionless, given
  `profile: "fiscal-data-package"`, fetches that schema from the network — so
  "fiscal-data-package" there would fail offline and fail the schema online.
- Amounts are plain integers in yen (no grouping, no 千円): `3,000` fails an
  `integer` field even with `groupChar`. "―" (not budgeted) is an empty
  field, never 0. Hence no `factor`: the figures are already yen.
- `project_id` (`2022-431010-012`: fiscal year, 団体コード, No.) identifies a
  project across files and years; a project without a No. gets `x1`, `x2` …
  in the order the ward lists it.
- Texts that a spreadsheet would run as a formula (= + - @ at the start) are
  written with a leading "'", as in the ledger's own CSV (CSV injection);
  the Kumamoto data has none.
- `frictionless validate` checks the tables but ignores `model`;
  `model_problems()` checks that the model's references hold, and
  `fdp_schema.json` beside this file describes the model's shape (the tests
  validate against both).
"""

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from machi.core.fiscal import fiscal_year_bounds, wareki
from machi.ledger.exporters import needs_escape, programmes, sheet_groups

DESCRIPTOR = "datapackage.json"
BUDGET_CSV = "budget.csv"
THEMES_CSV = "themes.csv"
MODEL_SCHEMA = Path(__file__).with_name("fdp_schema.json")

LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 (政府標準利用規約（第2.0版）と互換)",
}

# (column, type, title, description); amounts are not required: empty means "not budgeted".
_TEXT, _INT = "string", "integer"
BUDGET_FIELDS = [
    ("project_id", _TEXT, "事業ID", "年度-団体コード-No.（No. のない事業は x1, x2 …）"),
    ("fiscal_year", _INT, "年度", "西暦の年度（4月始まり）"),
    ("ward_code", _TEXT, "団体コード", "全国地方公共団体コード（6桁、検査数字つき）"),
    ("ward", _TEXT, "区", "区名"),
    ("ward_en", _TEXT, "Ward", "区名（英語）"),
    ("pillar", _TEXT, "柱", "区の基本方針・重点的取組（柱のない事業は空欄）"),
    ("pillar_position", _INT, "柱の順序", "区の年度計画での柱の順序"),
    ("project_no", _INT, "No.", "区の年度計画での事業番号"),
    ("project", _TEXT, "事業名", ""),
    ("status", _TEXT, "区分", "新規・継続・拡充、または空欄"),
    ("description", _TEXT, "事業内容", ""),
    ("themes", _TEXT, "テーマ", "区をまたいで比べるためのテーマ（; 区切り。themes.csv に1行ずつ）"),
    ("initial", _INT, "当初予算（円）", "当初予算、円。空欄は予算計上なし（―）で、0 ではない"),
    ("revised", _INT, "2月補正後（円）", "2月補正後の予算現額、円。空欄は予算計上なし（―）"),
    ("settled", _INT, "決算額（円）", "決算額、円。空欄は決算なし（―）"),
]
THEME_FIELDS = [
    ("project_id", _TEXT, "事業ID", "budget.csv の project_id"),
    ("theme", _TEXT, "テーマ", ""),
    ("theme_en", _TEXT, "Theme", "テーマ（英語）"),
]
REQUIRED = {"project_id", "fiscal_year", "ward_code", "ward", "project", "theme"}
AMOUNTS = ("initial", "revised", "settled")

MODEL = {
    "measures": {
        "initial": {"source": "initial", "currency": "JPY", "direction": "expenditure", "phase": "approved"},
        "revised": {"source": "revised", "currency": "JPY", "direction": "expenditure", "phase": "adjusted"},
        "settled": {"source": "settled", "currency": "JPY", "direction": "expenditure", "phase": "executed"},
    },
    "dimensions": {
        "fiscal_year": {
            "dimensionType": "datetime",
            "attributes": {"year": {"source": "fiscal_year"}},
            "primaryKey": "year",
        },
        "ward": {
            # The ward office is the entity that spends the money (FDP's "administrator").
            "dimensionType": "entity",
            "attributes": {
                "code": {"source": "ward_code"},
                "name": {"source": "ward", "labelfor": "code"},
                "name_en": {"source": "ward_en", "labelfor": "code"},
            },
            "primaryKey": "code",
        },
        "pillar": {
            # The ward's policy goals: what the money is for.
            "dimensionType": "classification",
            "classificationType": "functional",
            "attributes": {
                "ward_code": {"source": "ward_code"},
                "code": {"source": "pillar_position", "parent": "ward_code"},
                "name": {"source": "pillar", "labelfor": "code"},
            },
            "primaryKey": ["ward_code", "code"],
        },
        "project": {
            "dimensionType": "activity",
            "attributes": {
                "id": {"source": "project_id"},
                "no": {"source": "project_no"},
                "name": {"source": "project", "labelfor": "id"},
                "status": {"source": "status"},
            },
            "primaryKey": "id",
        },
        "theme": {
            "dimensionType": "classification",
            "classificationType": "functional",
            "attributes": {
                "code": {"source": "theme", "resource": "themes"},
                "name_en": {"source": "theme_en", "resource": "themes", "labelfor": "code"},
            },
            "primaryKey": "code",
        },
    },
}

PHASES = ("proposed", "approved", "adjusted", "executed")
DIRECTIONS = ("expenditure", "revenue")
DIMENSION_TYPES = ("datetime", "entity", "classification", "activity", "fact", "location", "other")
CLASSIFICATION_TYPES = ("functional", "administrative", "economic")


class NoBudget(LookupError):
    """The year has no ward programme to publish."""


@dataclass(frozen=True)
class PackageFiles:
    """The package's files as bytes, named as they are written: for a folder or a ZIP."""

    files: dict[str, bytes]
    project_count: int
    theme_count: int

    def write(self, directory: Path) -> Path:
        """Write the files into `directory` (created if need be); returns the descriptor's path."""
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in self.files.items():
            (directory / name).write_bytes(content)
        return directory / DESCRIPTOR


def build_fdp(*, fiscal_year: int) -> PackageFiles:
    """The year's package in memory. Three queries per ward, however many projects."""
    chosen = list(programmes(fiscal_year))
    if not chosen:
        raise NoBudget(f"{wareki(fiscal_year)} の台帳がありません")
    budget, budget_writer = _csv([name for name, *_ in BUDGET_FIELDS])
    themes, theme_writer = _csv([name for name, *_ in THEME_FIELDS])
    project_count = theme_count = 0
    for programme in chosen:
        groups, _totals = sheet_groups(programme)
        unnumbered = 0
        for group in groups:
            for project in group.projects:
                if project.no is None:
                    unnumbered += 1
                project_id = _project_id(programme, project.no, unnumbered)
                tags = sorted(project.themes.all(), key=lambda t: t.name)
                budget_writer.writerow(_budget_row(programme, project, project_id, tags))
                for theme in tags:
                    theme_writer.writerow([project_id, _safe(theme.name), _safe(theme.name_en)])
                    theme_count += 1
                project_count += 1
    descriptor = _descriptor(fiscal_year, chosen)
    files = {
        DESCRIPTOR: (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        BUDGET_CSV: budget.getvalue().encode("utf-8"),
        THEMES_CSV: themes.getvalue().encode("utf-8"),
    }
    return PackageFiles(files, project_count, theme_count)


def write_fdp(directory: Path, *, fiscal_year: int) -> Path:
    """Write the year's package into `directory` (created if need be); returns the descriptor's path."""
    return build_fdp(fiscal_year=fiscal_year).write(directory)


def model_problems(descriptor: dict) -> list[str]:
    """What in the `model` does not hold against the package's own resources (empty when all is well).

    The references frictionless does not check: every measure's and every
    attribute's `source` is a field of its resource (the first resource unless
    `resource` names another), measures are JPY with a valid phase and
    direction, `primaryKey`, `labelfor` and `parent` name attributes of the
    same dimension, and the dimension and classification types are FDP 0.3's.
    """
    problems: list[str] = []
    resources = descriptor.get("resources") or []
    fields = {
        resource.get("name"): {field.get("name") for field in resource.get("schema", {}).get("fields", [])}
        for resource in resources
    }
    first = resources[0].get("name") if resources else None
    model = descriptor.get("model")
    if not isinstance(model, dict):
        return ["model がありません"]

    def source_problem(where: str, item: dict) -> str | None:
        resource = item.get("resource", first)
        if resource not in fields:
            return f"{where}: resource {resource!r} がありません"
        if "source" in item:
            if item["source"] not in fields[resource]:
                return f"{where}: source {item['source']!r} は {resource} の列にありません"
        elif "constant" not in item:
            return f"{where}: source も constant もありません"
        return None

    measures = model.get("measures") or {}
    if not measures:
        problems.append("measures がありません（少なくとも1つ必要）")
    for name, measure in measures.items():
        where = f"measures.{name}"
        if problem := source_problem(where, measure):
            problems.append(problem)
        if measure.get("currency") != "JPY":
            problems.append(f"{where}: currency が JPY ではありません: {measure.get('currency')!r}")
        if measure.get("phase") not in PHASES:
            problems.append(f"{where}: phase が不正です: {measure.get('phase')!r}")
        if measure.get("direction") not in DIRECTIONS:
            problems.append(f"{where}: direction が不正です: {measure.get('direction')!r}")
        factor = measure.get("factor", 1)
        if isinstance(factor, bool) or not isinstance(factor, int | float) or factor <= 0:
            problems.append(f"{where}: factor が不正です: {factor!r}")

    dimensions = model.get("dimensions") or {}
    if not dimensions:
        problems.append("dimensions がありません（少なくとも1つ必要）")
    for name, dimension in dimensions.items():
        where = f"dimensions.{name}"
        attributes = dimension.get("attributes") or {}
        if not attributes:
            problems.append(f"{where}: attributes がありません")
        for attribute_name, attribute in attributes.items():
            if problem := source_problem(f"{where}.attributes.{attribute_name}", attribute):
                problems.append(problem)
            for key in ("labelfor", "parent"):
                if key in attribute and attribute[key] not in attributes:
                    problems.append(
                        f"{where}.attributes.{attribute_name}: {key} {attribute[key]!r} は属性にありません"
                    )
        keys = dimension.get("primaryKey")
        keys = [keys] if isinstance(keys, str) else keys
        if not keys:
            problems.append(f"{where}: primaryKey がありません")
        for key in keys or []:
            if key not in attributes:
                problems.append(f"{where}: primaryKey {key!r} は属性にありません")
        kind = dimension.get("dimensionType")
        if kind is not None and kind not in DIMENSION_TYPES:
            problems.append(f"{where}: dimensionType が不正です: {kind!r}")
        classification = dimension.get("classificationType")
        if classification is not None and classification not in CLASSIFICATION_TYPES:
            problems.append(f"{where}: classificationType が不正です: {classification!r}")
    return problems


def _descriptor(fiscal_year: int, chosen: list) -> dict:
    start, end = fiscal_year_bounds(fiscal_year)
    cities = sorted({p.ward.city_name for p in chosen if p.ward.city_name})
    city = cities[0] if len(cities) == 1 else ""
    demo = any(p.is_demo for p in chosen)  # `machi demo`'s current year: said in the title and description
    return {
        "profile": "tabular-data-package",
        "profiles": {"fiscal": "*", "tabular": "*"},
        "name": f"machi-ward-budgets-{fiscal_year}",
        "title": f"{city}{wareki(fiscal_year)} 区のまちづくり推進経費 / "
        f"Ward community-development budgets, FY{fiscal_year}"
        + ("（デモ用のデータです / demo data, not a real budget）" if demo else ""),
        "description": (
            "各区のまちづくり推進経費の事業ごとの当初予算・2月補正後・決算額（円）。"
            "空欄は予算計上なし（―）で、0 ではありません。 / "
            "Each ward's community-development projects with their initial budget, "
            "revised budget (after the February supplementary) and settled amount, in yen; "
            "an empty amount means not budgeted, not zero."
            + (
                " デモ用のデータです（Machi を試すための値で、実際の予算・決算ではありません）。 / "
                "Demo data made to try Machi: not a real budget."
                if demo
                else ""
            )
        ),
        "licenses": [LICENSE],
        "countryCode": "JP",
        "granularity": "aggregated",
        "fiscalPeriod": {"start": start.isoformat(), "end": end.isoformat()},
        "keywords": ["まちづくり", "予算", "決算", "open budget", "fiscal data"],
        "resources": [
            {
                "name": "budget",
                "path": BUDGET_CSV,
                "profile": "tabular-data-resource",
                "title": "事業別の予算・決算 / Budget by project",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [_field(*spec) for spec in BUDGET_FIELDS],
                    "missingValues": [""],
                    "primaryKey": ["project_id"],
                },
            },
            {
                "name": "themes",
                "path": THEMES_CSV,
                "profile": "tabular-data-resource",
                "title": "事業のテーマ / Themes of each project",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [_field(*spec) for spec in THEME_FIELDS],
                    "missingValues": [""],
                    "primaryKey": ["project_id", "theme"],
                    "foreignKeys": [
                        {
                            "fields": ["project_id"],
                            "reference": {"resource": "budget", "fields": ["project_id"]},
                        }
                    ],
                },
            },
        ],
        "model": MODEL,
    }


def _field(name: str, kind: str, title: str, description: str) -> dict:
    field: dict = {"name": name, "type": kind, "title": title}
    if description:
        field["description"] = description
    constraints: dict = {}
    if name in REQUIRED:
        constraints["required"] = True
    if name in AMOUNTS:
        constraints["minimum"] = 0
    if name == "ward_code":
        constraints["pattern"] = "[0-9]{6}"
    if name in ("pillar_position", "project_no"):
        constraints["minimum"] = 0
    if name == "status":
        constraints["enum"] = ["新規", "継続", "拡充"]
    if constraints:
        field["constraints"] = constraints
    return field


def _csv(header: list[str]):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    return buffer, writer


def _project_id(programme, no: int | None, unnumbered: int) -> str:
    suffix = f"{no:03d}" if no is not None else f"x{unnumbered}"
    return f"{programme.fiscal_year}-{programme.ward.code}-{suffix}"


def _budget_row(programme, project, project_id: str, tags) -> list:
    pillar = project.pillar
    return [
        project_id,
        programme.fiscal_year,
        programme.ward.code,
        _safe(programme.ward.name),
        _safe(programme.ward.name_en),
        _safe(pillar.name) if pillar else "",
        pillar.position if pillar else "",
        project.no if project.no is not None else "",
        _safe(project.name),
        project.status,
        _safe(project.description),
        ";".join(_safe(t.name) for t in tags),
        *("" if getattr(project, f"{a}_yen") is None else getattr(project, f"{a}_yen") for a in AMOUNTS),
    ]


def _safe(text: str) -> str:
    return "'" + text if needs_escape(text) else text
