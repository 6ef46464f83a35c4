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
