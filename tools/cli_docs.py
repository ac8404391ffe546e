"""Write docs/cli.md from the CLI itself: every command's `--help`, in the order of the command tree.

Usage: python tools/cli_docs.py > docs/cli.md   (or `make docs`)
tests/test_docs.py fails when docs/cli.md differs from this script's output, so the reference
cannot drift from the code: change a command's docstring or option help, then run `make docs`.
"""
from __future__ import annotations

import sys

import typer

WIDTH = 100   # fixed, so the page does not depend on the terminal it was generated in

INTRO = """\
# Command reference

Generated from the CLI by `tools/cli_docs.py` (`make docs`); do not edit by hand.

Every command takes `--help`. Errors are one line on stderr (`error: …`) and a non-zero exit (2 for
a usage error such as a misspelt option); `gongkai --verbose COMMAND …` shows the traceback too. A
closed pipe (`gongkai export … | head`) ends quietly with exit 0. `--json` output uses machine keys
(`proactive`, not `主动公开`); times are stored in UTC and shown in the local time zone (`TZ`).
Shell completion: `gongkai --install-completion` (bash, zsh, fish, PowerShell).
"""


def walk(command, ctx, prefix: str = ""):
    """(path, command, context) for the command and every subcommand, depth first."""
    yield prefix, command, ctx
    for name in getattr(command, "commands", {}):
        sub = command.commands[name]
        sub_ctx = type(ctx)(sub, info_name=name, parent=ctx, terminal_width=WIDTH, max_content_width=WIDTH)
        yield from walk(sub, sub_ctx, f"{prefix} {name}".strip())


def render() -> str:
    from gongkai.cli import app

    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="gongkai", terminal_width=WIDTH, max_content_width=WIDTH)
    parts = [INTRO]
    for path, command, sub_ctx in walk(root, ctx):
        parts.append(f"## `gongkai{' ' + path if path else ''}`\n\n```text\n{command.get_help(sub_ctx).rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(render())
