"""Create the demo ledger (`tui-inkasso demo`): one transaction, refused on top of real data.

The bulk work is in the :mod:`tui_inkasso.demo` package; this use case decides whether it may run (an
existing ledger is only replaced with ``reset``), sets the demo's settings through the settings
service (validated and audit-logged), records the run in the audit log, and reports counts.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import peewee as pw

from tui_inkasso import demo as demo_db
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import Invoice
from tui_inkasso.db.statistics import refresh_statistics
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.collection_systems import INHOUSE
from tui_inkasso.services import audit, settings
from tui_inkasso.services.clock import today as business_today
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.permissions import requires
from tui_inkasso.services.transaction import write_transaction

DEFAULT_INVOICES = 20_000
DEFAULT_SEED = 1
MIN_INVOICES = demo_db.MIN_INVOICES
MAX_INVOICES = demo_db.MAX_INVOICES

DEMO_SETTINGS = {
    "collection.system": INHOUSE.code,
    "collection.agency_accounts": demo_db.AGENCY_BANKGIRO,
}
"""Settings the demo needs: in-house cases, and the agency bankgiro its agency payments use."""


class LedgerExists(UserError):
    """The database already holds a ledger; the demo would mix with it."""


@dataclass(frozen=True)
class DemoSummary:
    """What a demo run did. ``created`` is False when ``if_missing`` found a ledger."""

    created: bool
    invoices: int
    seed: int
    today: dt.date
    reset: bool = False
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    """Rows written per table (table name -> rows)."""
    deleted: dict[str, int] = field(default_factory=dict)
    """Rows removed per table by ``reset``."""
    database_bytes: int | None = None
    """Size of the SQLite file after the run (None for PostgreSQL)."""


@requires(StaffRole.ADMIN, "skapa demodata")
def create_demo(
    invoices: int = DEFAULT_INVOICES,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    *,
    if_missing: bool = False,
) -> DemoSummary:
    """Fill the bound database with a demo ledger of exactly ``invoices`` invoices.

    Refused (nothing written) when a ledger exists and ``reset`` is not given; with ``if_missing``
    an existing ledger is left alone and the summary says ``created=False``.
    """
    if reset and if_missing:
        raise UserError("--reset och --if-missing går inte ihop: välj en av dem")
    if not MIN_INVOICES <= invoices <= MAX_INVOICES:
        raise UserError(f"--invoices ska vara mellan {MIN_INVOICES} och {MAX_INVOICES}, inte {invoices}")
    day = business_today()
    started = time.perf_counter()
    database = db.obj
    with write_transaction():
        if demo_db.has_ledger(database):
            if if_missing:
                return DemoSummary(False, Invoice.select().count(), seed, day)
            if not reset:
                raise LedgerExists(
                    f"databasen har redan en reskontra ({Invoice.select().count()} fakturor); "
                    "ersätt den med demodata med --reset"
                )
        deleted = demo_db.clear_ledger(database) if reset else {}
        counts = demo_db.build_demo(database, invoices=invoices, seed=seed, today=day)
        settings.save_new_ledger_settings(DEMO_SETTINGS)  # a new ledger's agency bankgiro is in force
        audit.record("demo.created", "ledger", f"seed {seed}",
                     {"invoices": invoices, "business_date": day.isoformat(), "reset": reset})
        _analyze(database)
    _checkpoint(database)
    return DemoSummary(
        created=True, invoices=invoices, seed=seed, today=day, reset=reset,
        seconds=round(time.perf_counter() - started, 2), counts=counts, deleted=deleted,
        database_bytes=_file_size(database),
    )


def _analyze(database: pw.Database) -> None:
    """Fresh planner statistics for the ledger's tables: the screens' queries on a million rows
    depend on them (``db/statistics.py``; never a bare ANALYZE of the whole PostgreSQL database)."""
    refresh_statistics(demo_db.LEDGER_MODELS, database)


def _checkpoint(database: pw.Database) -> None:
    """Fold the write-ahead log into the database file, so the file alone is the whole ledger.

    (The benchmarks copy the file; a large load otherwise leaves most of it in ``-wal``.)
    """
    if isinstance(database, pw.SqliteDatabase):
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _file_size(database: pw.Database) -> int | None:
    if not isinstance(database, pw.SqliteDatabase) or database.database == ":memory:":
        return None
    from pathlib import Path

    return Path(database.database).stat().st_size
