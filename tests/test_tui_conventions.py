"""The TUI's kits stay the one way (issue 11, "One kit each"): read from the source, so a new
screen that writes the old pattern again fails here, not in review.

* Screens have no inline CSS: layout lives in ``app.tcss`` (widgets may keep ``DEFAULT_CSS``,
  Textual's way for a reusable widget).
* A worker's database connection comes from ``@db_work`` (or a ``PagedTable``'s fetch worker,
  which holds it for its source): no ``thread_connection`` by hand in screens and widgets.
* Keys that depend on state follow a ``var(..., bindings=True)``: a manual ``refresh_bindings()``
  is left only where no state of ours exists (the footer on a resize).
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "tui_inkasso"
TUI = [*sorted((SOURCE / "screens").glob("*.py")), *sorted((SOURCE / "widgets").glob("*.py")), SOURCE / "app.py"]

CONNECTION_KITS = {"widgets/db_work.py", "widgets/paged_table.py"}
"""The two places a TUI worker opens its connection."""

MANUAL_REFRESH = {"widgets/footer_keys.py": "a resize: the width is no reactive state of ours"}
"""Where ``refresh_bindings()`` is still called by hand, and why."""


def _name(path: Path) -> str:
    return path.relative_to(SOURCE).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_screens_have_no_inline_css() -> None:
    found = []
    for path in sorted((SOURCE / "screens").glob("*.py")):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ClassDef):
                for statement in node.body:
                    targets = (statement.targets if isinstance(statement, ast.Assign)
                               else [statement.target] if isinstance(statement, ast.AnnAssign) else [])
                    found += [f"{_name(path)}: {node.name}.{t.id}" for t in targets
                              if isinstance(t, ast.Name) and t.id in ("DEFAULT_CSS", "CSS", "CSS_PATH")]
    assert found == [], "layout goes to app.tcss"


def test_only_the_kits_open_a_worker_connection() -> None:
    found = sorted({_name(path) for path in TUI if _name(path) not in CONNECTION_KITS
                    for node in ast.walk(_tree(path))
                    if isinstance(node, ast.Name | ast.alias) and "thread_connection" in (
                        node.id if isinstance(node, ast.Name) else node.name)})
    assert found == [], "use @db_work (a PagedTable source needs none: the table's worker holds it)"


def test_refresh_bindings_by_hand_only_where_no_state_exists() -> None:
    found = sorted({_name(path) for path in TUI for node in ast.walk(_tree(path))
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "refresh_bindings"})
    assert found == sorted(MANUAL_REFRESH), "state that decides keys is a var(..., bindings=True)"
