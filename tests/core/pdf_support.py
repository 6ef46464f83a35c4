"""Reading a PDF back: its text and the fonts it embeds (pypdf). Shared by the tests of every document."""

import re
from io import BytesIO

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """All pages' text with every run of whitespace removed (names wrap across lines in cells)."""
    reader = PdfReader(BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def embedded_fonts(data: bytes) -> dict[str, bool]:
    """Base font name → whether its descriptor carries an embedded TrueType program (/FontFile2)."""
    found = {}
    for page in PdfReader(BytesIO(data)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            found[str(font["/BaseFont"])] = found.get(str(font["/BaseFont"]), False) or embedded
    return found
