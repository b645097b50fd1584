"""Small real PDFs for the tests, drawn with fpdf2 (a test dependency)."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

TITLE = "Tidal Energy in Small Harbours"
AUTHOR = "Nadia Brennan"
DATE = datetime(2022, 5, 17, tzinfo=timezone.utc)

# (page, kind, text): headings are set larger than the body text.
PAGES = [
    (1, "title", TITLE),
    (1, "text", "Small harbours have been overlooked as sites for tidal turbines, because the flows inside them "
                "are weaker than in open channels. This report looks at whether the steady, predictable currents "
                "at a harbour mouth can still pay for a small turbine over its working life."),
    (1, "text", "We studied three harbours on the west coast over eighteen months, measuring current speed at "
                "the entrance every ten minutes."),
    (1, "heading", "1. Measurements"),
    (1, "text", "Peak currents at the harbour mouths ranged from 1.1 to 1.9 metres per second on spring tides, "
                "and fell below half a metre per second on neap tides."),
    (2, "heading", "2. Costs"),
    (2, "text", "A 50 kilowatt turbine installed at the strongest site would repay its cost in about fourteen "
                "years, assuming maintenance visits twice a year and the current price paid for exported electricity."),
    (2, "text", "Barnacles and weed were the largest running cost: the blades had to be cleaned by divers every "
                "spring, which added a fifth to the yearly maintenance bill."),
    (3, "heading", "3. Conclusion"),
    (3, "text", "Harbour-mouth turbines are a modest but reliable source of power for a small community, and the "
                "strongest of the three sites is worth a full feasibility study."),
]


def text_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(TITLE)
    pdf.set_author(AUTHOR)
    pdf.set_creation_date(DATE)
    page = 0
    for number, kind, text in PAGES:
        if number != page:
            pdf.add_page()
            page = number
        size, height = {"title": (18, 10), "heading": (14, 8), "text": (11, 6)}[kind]
        pdf.set_font("Helvetica", "B" if kind != "text" else "", size)
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.output(str(path))
    return path


def image_only_pdf(path: Path) -> Path:
    """A 'scanned' page: a picture of text, no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(picture).text((20, 80), "This page is a scanned image of some text.", fill="black")
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(buffer, x=10, y=10, w=190)
    pdf.output(str(path))
    return path
