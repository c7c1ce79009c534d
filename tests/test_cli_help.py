"""The command line's help speaks Swedish, down to argparse's own words (no database needed)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui_inkasso.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent

ARGPARSE_ENGLISH = ("usage:", "options:", "positional arguments", "show this help", "error:",
                    "show program's version")
"""argparse's own words, which cli.common.Parser replaces."""

ENGLISH_WORDS = re.compile(r"\b(the|and|or|of|to|with|default|a|an|is|not|only|from|file|print|this|that|which)\b")
"""Words that give away an English help text (Swedish texts have none of them)."""


def _parsers(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


PARSERS = list(_parsers(build_parser(), "tui-inkasso"))


@pytest.mark.parametrize(("path", "parser"), PARSERS, ids=[path for path, _ in PARSERS])
def test_every_help_text_is_swedish(path: str, parser: argparse.ArgumentParser) -> None:
    text = parser.format_help()
    assert text.startswith(f"användning: {path}")
    assert "flaggor:" in text and "-h, --help" in text
    assert not [word for word in ARGPARSE_ENGLISH if word in text]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = [a.help or "" for a in action._choices_actions]
        else:
            helps = [action.help or ""]
        for help_text in helps:
            assert help_text, f"{path} {action.option_strings or action.dest}: no help"
            assert not ENGLISH_WORDS.search(help_text), f"{path}: {help_text!r}"


def test_argparse_errors_are_swedish(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, reason in (
        (["cases", "status"], "de här argumenten saknas: CASE, STATUS"),
        (["collect", "--system", "foo"], "argument --system: ogiltigt val: 'foo' (välj bland 'inhouse'"),
        (["cases", "list", "--limit", "x"], "argument --limit: inget heltal: 'x'"),
        (["sie-export", "--from", "2026-13-01"], "argument --from: inget giltigt datum (ÅÅÅÅ-MM-DD): '2026-13-01'"),
    ):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        err = capsys.readouterr().err
        assert stopped.value.code == 2
        assert err.startswith("användning: tui-inkasso ") and ": fel: " in err and reason in err, err


def test_a_mistake_before_the_command_is_reported_once() -> None:
    done = subprocess.run([sys.executable, "-m", "tui_inkasso.cli", "--db"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "användning: tui-inkasso [-h] [--db URL] [--json] [--version] COMMAND ...",
        "tui-inkasso: fel: argument --db: ett värde behövs",
    ]


def test_the_readme_names_every_command() -> None:
    """README's command-line table has a row for each command (arrears and socialnamnd were
    missing from it)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = {path.split()[1] for path, _parser in PARSERS if len(path.split()) == 2}
    missing = sorted(c for c in commands if not re.search(rf"`(tui-inkasso )?{re.escape(c)}\b", readme))
    assert not missing, f"README.md lacks the commands {missing}"
