"""Reading ledger files: the canonical CSV, ward-office XLSX sheets, and dataset folders."""

from pathlib import Path

from machi.ledger.importers.rows import LedgerImportError, Problem, ReadResult


def read_path(path: Path) -> ReadResult:
    """Rows from a .csv or .xlsx file; every problem is collected before anything is written."""
    path = Path(path)
    if not path.exists():
        raise LedgerImportError([Problem(str(path), None, None, "ファイルがありません")])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from machi.ledger.importers.csv_reader import read_csv

        result = read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        from machi.ledger.importers.xlsx_reader import read_xlsx

        result = read_xlsx(path)
    else:
        raise LedgerImportError(
            [Problem(path.name, None, None, "CSV（.csv）か Excel（.xlsx）のファイルを指定してください")]
        )
    if result.problems:
        raise LedgerImportError(result.problems)
    return result


def import_path(
    path, *, actor, source: str | None = None, dry_run: bool = False, below_commitments_reason: str = ""
):
    """Import a file or a dataset folder (dataset.json + ledger.csv), all or nothing.

    `below_commitments_reason` lets a file's budgets go below what services have committed (see
    `actions.import_ledger`); a dataset folder is imported without it.
    """
    from machi.ledger import actions

    path = Path(path)
    if path.is_dir():
        from machi.ledger.importers.dataset import import_dataset

        return import_dataset(path, source=source or path.name, actor=actor, dry_run=dry_run)
    result = read_path(path)
    report = actions.import_ledger(
        result.rows,
        source=source or path.name,
        actor=actor,
        dry_run=dry_run,
        below_commitments_reason=below_commitments_reason,
    )
    report.warnings[:0] = result.warnings
    return report
