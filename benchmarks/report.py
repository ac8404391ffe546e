"""The run's one table (rich on the terminal, markdown for the README) and its JSON record."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.timing import Measure, Row

RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = ("stage", "docs", "ours", "peer (same run, same documents)", "peer throughput", "ratio", "target", "met")
_RIGHT = ("docs", "ratio", "target", "met")


@dataclass
class Figure:
    """A whole-program figure (end-to-end, memory, start-up): a value and, maybe, a target."""

    name: str
    value: str
    target: str = ""
    met: bool | None = None
    note: str = ""
    data: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "target": self.target, "met": self.met,
                "note": self.note, **self.data}


def _rate(m: Measure) -> str:
    parts = [f"{m.rate('docs'):,.0f} docs/s"]
    if m.work.pages:
        parts.append(f"{m.rate('pages'):,.0f} pages/s")
    if m.work.chars:
        parts.append(f"{m.rate('chars') / 1e6:,.2f} M chars/s")
    if m.hits is not None:
        parts.append(f"{m.hits:,} hits")
    return " · ".join(parts)


def _met(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: "—"}[met]


def row_cells(row: Row) -> list[str]:
    ratio = "—" if row.ratio is None else f"{row.ratio:.{1 if row.ratio >= 10 else 2}f}×"
    target = f"≥ {row.target:g}×" if row.target else "—"
    stage = f"{row.stage} ({row.note})" if row.note else row.stage
    return [stage, f"{row.ours.work.docs:,}", _rate(row.ours), row.peer_name or "—",
            _rate(row.peer) if row.peer else "—", ratio, target, _met(row.met)]


def figure_cells(fig: Figure) -> list[str]:
    name = f"{fig.name} ({fig.note})" if fig.note else fig.name
    return [name, "", fig.value, "", "", "", fig.target or "—", _met(fig.met)]


def rich_table(title: str, rows: list[Row], figures: list[Figure]):
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for col in COLUMNS:
        table.add_column(col, overflow="fold", justify="right" if col in _RIGHT else "left")
    for row in rows:
        table.add_row(*row_cells(row), style=None if row.met is not False else "red")
    table.add_section()
    for fig in figures:
        table.add_row(*figure_cells(fig), style=None if fig.met is not False else "red")
    return table


def markdown_table(title: str, rows: list[Row], figures: list[Figure], context: dict) -> str:
    lines = [f"**{title}**", "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for cells in [row_cells(r) for r in rows] + [figure_cells(f) for f in figures]:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    batch = context.get("batch", {})
    lines += ["", f"batch: {batch.get('count')} documents derived from {batch.get('source')} with seed "
                  f"{batch.get('seed')}, formats {batch.get('formats')}, {batch.get('pdf_pages')} PDF pages "
                  f"typeset in {batch.get('pdf_font', 'STSong-Light (not embedded)')}",
              "", " · ".join(f"{k}: {v}" for k, v in context.items() if not isinstance(v, (dict, list)))]
    return "\n".join(lines) + "\n"


def save(stamp: str, title: str, rows: list[Row], figures: list[Figure], context: dict) -> Path:
    """benchmarks/results/<stamp>.json, latest.json and latest.md; returns the JSON path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {"title": title, **context, "stages": [r.to_dict() for r in rows],
              "figures": [f.to_dict() for f in figures]}
    text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    path = RESULTS / f"{stamp}.json"
    path.write_text(text, encoding="utf-8")
    (RESULTS / "latest.json").write_text(text, encoding="utf-8")
    table = markdown_table(title, rows, figures, context)
    (RESULTS / "latest.md").write_text(table, encoding="utf-8")
    if context.get("mode") == "full":
        update_readme(table)
    return path


README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def update_readme(table: str) -> None:
    """Replace the README's benchmark block, so it always shows the latest full run."""
    text = README.read_text(encoding="utf-8")
    if START in text and END in text:
        head, rest = text.split(START, 1)
        README.write_text(f"{head}{START}\n{table.strip()}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")
