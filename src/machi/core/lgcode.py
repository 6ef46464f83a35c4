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
