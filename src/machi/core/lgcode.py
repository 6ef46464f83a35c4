"""全国地方公共団体コード: five digits and a check digit (総務省 方式)."""


def check_digit(five_digits: str) -> int:
    """Weights 6,5,4,3,2 on the five digits; r = sum mod 11; digit = (11 − r) mod 10."""
    if len(five_digits) != 5 or not five_digits.isdigit():
        raise ValueError(f"団体コードの上5桁は数字5桁です: {five_digits!r}")
    remainder = sum(int(d) * w for d, w in zip(five_digits, (6, 5, 4, 3, 2), strict=True)) % 11
    return (11 - remainder) % 10


def is_valid(code: str) -> bool:
    return len(code) == 6 and code.isdigit() and check_digit(code[:5]) == int(code[5])


def validate(code: str) -> str:
    """Return the six-digit code or raise ValueError with a message a person can act on."""
    code = (code or "").strip()
    if len(code) == 5 and code.isdigit():
        raise ValueError(f"団体コード {code} に検査数字がありません（正しくは {code}{check_digit(code)}）")
    if len(code) != 6 or not code.isdigit():
        raise ValueError(f"団体コードは6桁の数字です: {code!r}")
    expected = check_digit(code[:5])
    if int(code[5]) != expected:
        raise ValueError(f"団体コード {code} の検査数字が誤っています（正しくは {code[:5]}{expected}）")
    return code


# JIS X 0401: the first two digits of a 全国地方公共団体コード name the prefecture.
PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)  # fmt: skip


def prefecture_name(code: str) -> str:
    """熊本県 for 431010; "" when the code does not start with a prefecture's number (01–47)."""
    number = int(code[:2]) if len(code) >= 2 and code[:2].isdigit() else 0
    return PREFECTURES[number - 1] if 1 <= number <= len(PREFECTURES) else ""


def prefecture_code(code: str) -> str:
    """The prefecture's own six-digit code for any code in it: 430005 for 431010."""
    five = f"{code[:2]}000"
    return f"{five}{check_digit(five)}"
