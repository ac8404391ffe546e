"""The documentation names every command and option the CLI has, so the two cannot drift apart."""
from __future__ import annotations

from pathlib import Path

import pytest
import typer

from gongkai.cli import app

REPO = Path(__file__).resolve().parents[1]
DOCS = "\n".join(p.read_text(encoding="utf-8") for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))])


def commands(group, prefix: str = "") -> list[tuple[str, object]]:
    """Every command and subcommand. Duck-typed: typer may vendor its own copy of click."""
    out = []
    for name, cmd in group.commands.items():
        path = f"{prefix}{name}"
        out.append((path, cmd))
        if hasattr(cmd, "commands"):
            out += commands(cmd, path + " ")
    return out


ALL = commands(typer.main.get_command(app))
assert len(ALL) > 15  # the walk reached the subcommands


@pytest.mark.parametrize("path,cmd", ALL, ids=[p for p, _ in ALL])
def test_every_command_is_documented(path, cmd):
    assert f"gongkai {path}" in DOCS, f"`gongkai {path}` is not in README.md or docs/"


@pytest.mark.parametrize("path,cmd", ALL, ids=[p for p, _ in ALL])
def test_every_option_is_documented(path, cmd):
    missing = [opt for param in cmd.params if param.param_type_name == "option"
               for opt in param.opts if opt.startswith("--") and opt not in DOCS and opt != "--help"]
    assert not missing, f"gongkai {path}: {', '.join(missing)} not in README.md or docs/"


def test_cli_reference_is_generated_from_the_cli():
    """docs/cli.md is `tools/cli_docs.py`'s output: change a docstring or an option's help, run `make docs`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("cli_docs", REPO / "tools" / "cli_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (REPO / "docs" / "cli.md").read_text(encoding="utf-8") == module.render(), \
        "docs/cli.md is stale: run `make docs`"
