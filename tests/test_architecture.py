"""The import arrows of docs/development.md, checked on the source itself.

Every module under ``tui_inkasso/`` is parsed with :mod:`ast` (nothing is imported, so the test
takes well under a second) and each ``tui_inkasso.*`` import it makes is checked against the layer
rules: at module level, inside functions, absolute and relative alike. A violation is listed as
``module imports module (rule)`` so a failure says exactly what to move.

A second test imports the headless entry points in a fresh interpreter and checks that Textual
stayed out of ``sys.modules``: the static rules say who may NAME textual, this says nobody pulls it
in indirectly at import time.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "tui_inkasso"
SOURCE = Path(__file__).resolve().parent.parent / PACKAGE

SERVICES_MAY_NOT = {"screens", "widgets", "app", "cli", "daemon"}
"""What services/ must never reach: everything that presents or drives them."""

ALLOWED: dict[str, set[str]] = {
    "fileio": set(),
    "gc_pause": set(),
    "domain": {"domain"},
    "formats": {"domain", "formats", "fileio", "gc_pause"},
    "transport": {"domain", "transport", "fileio"},
    "db": {"domain", "db"},
    # Demo data is a use case, not the store: its own package that writes the tables in bulk
    # (a million invoices in well under two minutes). Only services/demo.py calls it (no other
    # layer lists it), and it reaches nothing above the store.
    "demo": {"demo", "db", "domain"},
    "services": {"services", "domain", "formats", "transport", "db", "demo", "fileio", "gc_pause",
                 "root"},
    "screens": {"screens", "widgets", "services", "domain", "root"},
    "widgets": {"widgets", "services", "domain", "root"},
    "app": {"screens", "widgets", "services", "domain", "root"},
    "cli": {"cli", "services", "domain", "root"},
    # The console script's first code (tui_inkasso/console.py): imports the command line inside
    # a try, so that a Ctrl-C while the program loads is one line, not a traceback.
    "console": {"cli"},
    "daemon": {"services", "domain"},
    "root": set(),
}
"""Layer -> the layers it may import. ``root`` is ``tui_inkasso/__init__.py`` (the version)."""

TEXTUAL_LAYERS = {"screens", "widgets", "app"}
"""The only layers that may import textual."""

EXCEPTIONS: dict[tuple[str, str], str] = {
    # The entry points own the process: they open (and migrate) the one database connection that
    # every service then uses, and the daemon holds its single-instance lock on that connection.
    ("tui_inkasso.cli", "tui_inkasso.db.connection"): "the entry point opens the database once",
    ("tui_inkasso.cli", "tui_inkasso.db.migrations"): "the entry point reports a failed migration",
    ("tui_inkasso.cli.daemon_cmd", "tui_inkasso.db.connection"): "the daemon command resolves --db",
    ("tui_inkasso.daemon", "tui_inkasso.db.connection"): "the daemon's connection and instance lock",
    # The two entry points start each other's loops: `tui-inkasso` starts the app, `tui-inkasso
    # daemon` the scheduler; both imports sit inside functions, and the textual test below proves
    # the CLI itself stays headless.
    ("tui_inkasso.cli", "tui_inkasso.app"): "`tui-inkasso` without a command starts the app",
    ("tui_inkasso.cli.daemon_cmd", "tui_inkasso.daemon"): "`tui-inkasso daemon` runs the loop",
    ("tui_inkasso.cli.__main__", "tui_inkasso.console"): "`python -m tui_inkasso.cli` starts as the script",
}
"""(importer, imported) pairs that break a layer rule on purpose, each with its reason."""


@dataclass(frozen=True)
class Import:
    """One ``tui_inkasso`` (or textual) import found in a module, with its line."""

    importer: str
    imported: str
    line: int


def module_name(path: Path) -> str:
    """``tui_inkasso/services/ledger.py`` -> ``tui_inkasso.services.ledger``."""
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def imports_of(path: Path) -> list[Import]:
    """Every import of ``tui_inkasso`` or ``textual`` in the file, at any depth (each file parsed
    once per test process: two tests read every module's imports; the files do not change)."""
    importer = module_name(path)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), importer, package)


def imports_in(code: str, importer: str, package: str) -> list[Import]:
    """Every import of ``tui_inkasso`` or ``textual`` in ``code`` (module ``importer``)."""
    found: list[Import] = []
    for node in ast.walk(ast.parse(code, filename=importer)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            # `from tui_inkasso import app` names a module; `from x.y import z` names x.y.
            names = [f"{base}.{a.name}" for a in node.names] if base == PACKAGE else [base]
        else:
            continue
        found += [Import(importer, name, node.lineno) for name in names
                  if name.split(".")[0] in (PACKAGE, "textual")]
    return found


def _absolute(node: ast.ImportFrom, package: str) -> str:
    """The absolute module of a ``from`` import (relative ones resolved against ``package``)."""
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def layer(module: str) -> str:
    """The layer of a ``tui_inkasso`` module: the first name under the package, or ``root``."""
    parts = module.split(".")
    if len(parts) == 1 or not _is_module(parts[1]):
        return "root"  # tui_inkasso itself, or an attribute of it such as __version__
    return parts[1]


def _is_module(name: str) -> bool:
    return (SOURCE / name).is_dir() or (SOURCE / f"{name}.py").is_file()


def violations() -> list[str]:
    """Every import that breaks a rule, as ``module imports module (rule)``, sorted."""
    problems: set[str] = set()
    for path in sorted(SOURCE.rglob("*.py")):
        for imp in imports_of(path):
            rule = _broken_rule(imp)
            if rule and (imp.importer, imp.imported) not in EXCEPTIONS:
                problems.add(f"{imp.importer} imports {imp.imported} ({rule}; line {imp.line})")
    return sorted(problems)


def _broken_rule(imp: Import) -> str | None:
    """The rule ``imp`` breaks, or None."""
    source = layer(imp.importer)
    if imp.imported.split(".")[0] == "textual":
        return None if source in TEXTUAL_LAYERS else "only screens/, widgets/ and app.py import textual"
    target = layer(imp.imported)
    if target == "root" or target in ALLOWED[source]:
        return None
    if source == "services" and target in SERVICES_MAY_NOT:
        return "services/ never import what presents or drives them"
    allowed = ", ".join(sorted(ALLOWED[source])) or "nothing of ours"
    return f"{source} may import only {allowed}"


def test_every_layer_is_known() -> None:
    layers = {layer(module_name(p)) for p in SOURCE.rglob("*.py")}
    assert layers <= set(ALLOWED), f"modules outside any layer: {sorted(layers - set(ALLOWED))}"


def test_imports_follow_the_layers() -> None:
    found = violations()
    assert not found, "imports against the layer rules:\n" + "\n".join(found)


def test_every_exception_is_still_needed() -> None:
    """An exception whose import is gone must go too, or the list rots into a blanket permit."""
    present = {(i.importer, i.imported) for p in SOURCE.rglob("*.py") for i in imports_of(p)}
    stale = sorted(f"{a} -> {b}" for a, b in EXCEPTIONS if (a, b) not in present)
    assert not stale, "exceptions no import needs any more:\n" + "\n".join(stale)


def test_the_checker_sees_nested_and_relative_imports() -> None:
    """The checker itself: an import inside a function and a relative one are both found."""
    code = "def f():\n    from ..services import ledger\n    import textual\n"
    found = imports_in(code, "tui_inkasso.formats.probe", "tui_inkasso.formats")
    assert [(i.imported, i.line) for i in found] == [("tui_inkasso.services", 2), ("textual", 3)]
    assert [_broken_rule(i) for i in found] == [
        "formats may import only domain, fileio, formats, gc_pause",
        "only screens/, widgets/ and app.py import textual",
    ]


HEADLESS = [
    "tui_inkasso.daemon",
    "tui_inkasso.cli",
    "tui_inkasso.db.models",
    "tui_inkasso.domain.identifiers",
    "tui_inkasso.fileio",
]
"""Entry points and layers that must run without Textual; every service module is added below."""


def test_core_never_imports_textual() -> None:
    """Importing every service, the CLI (with all its command modules) and the daemon loads no textual."""
    services = sorted(f"{PACKAGE}.services.{p.stem}" for p in (SOURCE / "services").glob("*.py")
                      if p.stem != "__init__")
    modules = HEADLESS + services
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "import tui_inkasso.cli as cli\n"
        "cli.build_parser()\n"  # imports every command module
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "assert not loaded, f'textual imported by the core: {loaded[:5]}'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                            timeout=60)
    assert result.returncode == 0, result.stderr
