"""Build the sample drafts of examples/ from the texts in tools/example_sources (run once; the outputs are committed).

    .venv/bin/python tools/make_examples.py
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.builders import make_docx, make_ofd, make_pdf, make_txt  # noqa: E402
from tests.scans import Condition, Draft, scan  # noqa: E402
from tests.scans import scanned_pdf as scans_to_pdf  # noqa: E402

SRC, OUT = REPO / "tools" / "example_sources", REPO / "examples"


def text(name: str) -> str:
    return (SRC / f"{name}.txt").read_text(encoding="utf-8")


def paragraphs(name: str) -> list[str]:
    return [line for line in text(name).splitlines() if line.strip()]


# A signed and stamped 复函 as an office receives it back from the scanner: slightly skewed, noisy, JPEG.
SCANNED_REPLY = Draft(
    "000086", None, None, "长兴湾市交通运输局", "长交函〔2026〕58号",
    "关于同意调整城北公交线路站点的复函", "长兴湾市公共交通集团有限公司：",
    ["你公司《关于调整城北片区公交线路站点的请示》收悉。",
     "经研究，同意将12路、27路公交线路延伸至城北",
     "新区，新增站点5个，自2027年1月1日起运行。",
     "请做好站牌设置和线路调整公告工作。"],
    "长兴湾市交通运输局", "2026年11月20日", "2026-11-20")


def scanned_pdf(path: Path) -> None:
    """A page that is only an image, as a scanner makes it: no text layer at all (read by OCR)."""
    scans_to_pdf(path, [scan(SCANNED_REPLY, Condition(dpi=150, noise=6, skew=1.2, jpeg=70, seed=8))])


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
