"""Build the sample drafts of examples/ from the texts in tools/example_sources (run once; the outputs are committed).

    .venv/bin/python tools/make_examples.py
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.builders import make_docx, make_ofd, make_pdf, make_txt  # noqa: E402

SRC, OUT = REPO / "tools" / "example_sources", REPO / "examples"


def text(name: str) -> str:
    return (SRC / f"{name}.txt").read_text(encoding="utf-8")


def paragraphs(name: str) -> list[str]:
    return [line for line in text(name).splitlines() if line.strip()]


def scanned_pdf(path: Path) -> None:
    """A page that is only an image, as a scanner makes it: no text layer at all."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for i in range(40):  # grey bars standing in for scanned lines of text
        pdf.setFillGray(0.2 + (i % 3) * 0.1)
        pdf.rect(80, 760 - i * 16, 420 - (i * 37) % 160, 9, stroke=0, fill=1)
    pdf.showPage()
    pdf.save()


def main() -> None:
    make_txt(OUT / "01_heating_subsidy_notice.txt", text("01_heating_subsidy_notice"), "utf-8")
    make_docx(OUT / "02_budget_request.docx", paragraphs("02_budget_request"))
    secret = paragraphs("03_militia_readiness")
    make_docx(OUT / "03_militia_readiness.docx", secret[3:], header="  ".join(secret[:3]))
    make_pdf(OUT / "04_subsidy_publicity.pdf", [text("04_subsidy_publicity")])
    make_txt(OUT / "05_land_reply_letter.txt", text("05_land_reply_letter"), "gb18030")
    body = text("06_tea_plan_opinion")
    make_pdf(OUT / "06_tea_plan_opinion.pdf", [body[: len(body) // 2], body[len(body) // 2:]])
    make_ofd(OUT / "07_road_closure_notice.ofd", [text("07_road_closure_notice")])
    scanned_pdf(OUT / "08_scanned_reply.pdf")


if __name__ == "__main__":
    main()
