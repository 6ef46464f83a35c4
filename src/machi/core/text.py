"""Japanese text normalisation: compare on NFKC, display the original."""

import re
import unicodedata

_SPACE_RUN = re.compile(r"\s+")
# Dashes people and PDFs use for "none" or as a separator, all folded to one.
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−－ｰ"})


def normalize(text: str | None) -> str:
    """NFKC, line breaks and runs of spaces folded to one space, trimmed.

    Full-width digits and letters become ASCII (ＩＣＴ → ICT, １，０００ → 1,000),
    so two spellings of one name compare equal.
    """
    if text is None:
        return ""
    return _SPACE_RUN.sub(" ", unicodedata.normalize("NFKC", str(text))).strip()


def name_key(text: str | None) -> str:
    """The key two names are matched on: normalised, without any spaces or dash variants.

    Names split across lines in PDFs and merged cells in Excel come back with
    stray spaces; a name is the same name without them.
    """
    return normalize(text).translate(_DASHES).replace(" ", "").casefold()


# Characters that show nothing, or reorder what follows (zero-width spaces and joiners, the BOM,
# the direction embeddings, overrides and isolates, the Hangul fillers): a name made with them
# looks like another name.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e0fff]"
)
# Letters of other scripts drawn like Latin ones (after case folding), and katakana drawn like kanji:
# АОЕ… in Cyrillic, ΑΟΕ… in Greek, ロ/口, カ/力, エ/工, ニ/二, ハ/八, ト/卜, タ/夕.
_LOOKALIKES = str.maketrans(
    {
        **dict(zip("авекмнорстухѕіјһԁԛԝӏ", "abekmhopctyxsijhdqwl", strict=True)),
        **dict(zip("αβεζηικμνορτυχ", "abezhikmnoptyx", strict=True)),
        **dict(zip("ロカエニハトタ", "口力工二八卜夕", strict=True)),
    }
)


def has_invisible(text: str | None) -> bool:
    """Whether the text holds a character that shows nothing or turns the text around (see `lookalike_key`)."""
    return bool(text) and (
        _INVISIBLE.search(text) is not None or any(unicodedata.category(c) == "Cf" for c in text)
    )


def lookalike_key(text: str | None) -> str:
    """The key under which two names that look alike are the same name.

    `name_key` (NFKC, case, spaces and dashes), with invisible and direction-control characters
    dropped and letters that look like others folded together: 「Аsobi」 with a Cyrillic А, ＡＳＯＢＩ
    and "asobi\u200b" all share the key of "Asobi".
    """
    visible = "".join(c for c in _INVISIBLE.sub("", text or "") if unicodedata.category(c) != "Cf")
    return name_key(visible).translate(_LOOKALIKES)


def clean_display(text: str | None) -> str:
    """Text as a person typed it, with only the stray whitespace of cells and PDFs removed."""
    if text is None:
        return ""
    lines = [line.strip() for line in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return (
        "".join(lines).strip()
        if all(_is_cjk_line(line) for line in lines if line)
        else " ".join(line for line in lines if line)
    )


def _is_cjk_line(line: str) -> bool:
    # A Japanese line broken mid-word is joined without a space; English is joined with one.
    return any(unicodedata.east_asian_width(c) in "WF" for c in line)


def kana_key(text: str | None) -> str:
    """The key a name in kana is searched on: `name_key`, with katakana folded to hiragana
    (ヤマダ, ﾔﾏﾀﾞ and やまだ alike)."""
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in name_key(text))
