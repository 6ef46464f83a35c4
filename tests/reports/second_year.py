"""A second fiscal year for the report tests: FY2021 for two Kumamoto wards, imported from a small CSV."""

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path

FY2021_CSV = """fiscal_year,ward_code,ward,pillar,no,name,status,description,initial,revised,settled
2021,431010,中央区,地域活動の負担軽減,1,地域活動応援事業,新規,,5000,4800,4500
2021,431010,中央区,地域活動の負担軽減,2,まちづくり交流会,,,3000,3000,2900
2021,431028,東区,安全安心,1,防災訓練支援事業,拡充,,8000,7000,6000
2021,431028,東区,安全安心,2,見守り事業,,,2000,,
"""
# 千円: 中央区 8,000 / 7,800 / 7,400; 東区 10,000 / 7,000 / 6,000; city 18,000 / 14,800 / 13,400.


def load_fy2021(tmp_path):
    path = tmp_path / "fy2021.csv"
    path.write_text(FY2021_CSV, encoding="utf-8")
    return import_path(path, source="fy2021.csv", actor=SYSTEM)
