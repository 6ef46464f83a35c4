"""Categories of residents' requests from a CSV file: read and checked here, written by
`actions.import_categories` (all or nothing).

Columns (a header row; Japanese or English names, in any order):

| 区 (ward)            | the ward's name (中央区) or its 団体コード (431010)                 | required |
| コード (code)         | the category's code, unique in its ward (Open311's service_code) | required |
| 名称 (name)           | its name                                                         | required |
| 分類 (group)          | its group (道路, 公園 …)                                           |          |
| 説明 (description)    | what it is for                                                   |          |
| 公開 (public)         | はい/いいえ (1/0, true/false, 公開/非公開); empty: はい             |          |
| 目標日数 (target_days) | working days to answer, 1–365; empty: 10                         |          |
| 事業年度 (fiscal_year) | the fund project's fiscal year (2022, 令和4年度)                  | with 事業No |
| 事業No (project_no)   | the fund project's No. in the ward's programme of that year      | with 事業年度 |
| 受付中 (active)        | はい/いいえ; empty: はい                                            |          |

UTF-8 (with or without BOM) or CP932, through the shared guards of `machi.core.importing` (size,
binary data, formulas, control characters). Every problem is reported with its row and column.
"""

import csv
import io
from dataclasses import dataclass

from machi.core.fiscal import parse_fiscal_year
from machi.core.importing import ImportRefused, Problem, Where, check_text, decode_text
from machi.core.text import normalize

COLUMNS = {
    "ward": ("区", "区名", "団体コード", "ward", "ward_code"),
    "code": ("コード", "code", "service_code"),
    "name": ("名称", "種類", "name", "service_name"),
    "group": ("分類", "group"),
    "description": ("説明", "description"),
    "public": ("公開", "public"),
    "target_days": ("目標日数", "target_days"),
    "fiscal_year": ("事業年度", "年度", "fiscal_year"),
    "project_no": ("事業No", "事業No.", "事業番号", "project_no"),
    "active": ("受付中", "active"),
}
REQUIRED = ("ward", "code", "name")
LIMITS = {"code": 40, "name": 100, "group": 100, "description": 2000}
YES = {"はい", "1", "true", "yes", "y", "公開", "受付中", "○", "◯"}
NO = {"いいえ", "0", "false", "no", "n", "非公開", "停止", "×", "-", "―"}


class CategoryProblem(Problem):
    column_names = {key: names[0] for key, names in COLUMNS.items()}


@dataclass
class CategoryRow:
    where: Where
    ward: object
    code: str
    fields: dict  # name, group, description, public, target_days, fund, active


def _flag(text: str, default: bool) -> bool:
    key = normalize(text).strip().casefold()
    if not key:
        return default
    if key in YES:
        return True
    if key in NO:
        return False
    raise ValueError("「はい」か「いいえ」で指定してください")


def _columns(header: list[str], source: str) -> dict[str, int]:
    names = {normalize(name).strip().casefold(): key for key, aliases in COLUMNS.items() for name in aliases}
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = names.get(normalize(title).strip().casefold())
        if key is not None and key not in found:
            found[key] = index
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in found]
    if missing:
        raise ImportRefused([CategoryProblem(source, 1, None, f"必要な列がありません: {'、'.join(missing)}")])
    return found


def read_categories(data: bytes, source: str) -> list[CategoryRow]:
    """The file's rows checked against the ledger (wards, fund projects); ImportRefused with every problem."""
    from machi.ledger.models import Project, Ward

    text = decode_text(data, source)
    table = list(csv.reader(io.StringIO(text)))
    if not table or not any(cell.strip() for cell in table[0]):
        raise ImportRefused([CategoryProblem(source, None, None, "ファイルが空です")])
    columns = _columns(table[0], source)
    wards = {w.code: w for w in Ward.objects.all()}
    wards_by_name = {normalize(w.name): w for w in wards.values()}
    rows, problems, seen = [], [], {}
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        where = Where(source, number)

        def cell(key, cells=cells):
            index = columns.get(key)
            return "" if index is None or index >= len(cells) else cells[index]

        values = {}
        for key in COLUMNS:
            try:
                values[key] = normalize(check_text(cell(key), limit=LIMITS.get(key, 200))).strip()
            except ValueError as error:
                problems.append(CategoryProblem.at(where, key, str(error)))
                values[key] = ""
        for key in REQUIRED:
            if not values[key] and not any(p.row == number and p.column == key for p in problems):
                problems.append(CategoryProblem.at(where, key, "空です"))
        ward = wards.get(values["ward"]) or wards_by_name.get(values["ward"])
        if values["ward"] and ward is None:
            problems.append(CategoryProblem.at(where, "ward", f"区「{values['ward']}」がありません"))
        fields = {"name": values["name"], "group": values["group"], "description": values["description"]}
        for key, default in (("public", True), ("active", True)):
            try:
                fields[key] = _flag(values[key], default)
            except ValueError as error:
                problems.append(CategoryProblem.at(where, key, str(error)))
        try:
            days = int(values["target_days"] or 10)
            if not 1 <= days <= 365:
                raise ValueError
            fields["target_days"] = days
        except ValueError:
            problems.append(
                CategoryProblem.at(
                    where, "target_days", "1から365までの整数（開庁日の日数）で指定してください"
                )
            )
        fields["fund"] = None
        if values["fiscal_year"] or values["project_no"]:
            try:
                year = parse_fiscal_year(values["fiscal_year"])
                no = int(values["project_no"])
            except (ValueError, TypeError):
                problems.append(
                    CategoryProblem.at(where, "project_no", "事業年度と事業No（数字）を両方指定してください")
                )
            else:
                if ward is not None:
                    fund = Project.objects.filter(
                        programme__ward=ward, programme__fiscal_year=year, no=no
                    ).first()
                    if fund is None:
                        problems.append(
                            CategoryProblem.at(
                                where, "project_no", f"{ward.name}の{year}年度 No.{no} の事業がありません"
                            )
                        )
                    fields["fund"] = fund
        if ward is not None and values["code"]:
            key = (ward.pk, values["code"])
            if key in seen:
                problems.append(
                    CategoryProblem.at(
                        where, "code", f"{seen[key]}行目と同じ区・コードです（{values['code']}）"
                    )
                )
            seen[key] = number
        rows.append(CategoryRow(where=where, ward=ward, code=values["code"], fields=fields))
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise ImportRefused([CategoryProblem(source, None, None, "取り込む行がありません")])
    return rows
