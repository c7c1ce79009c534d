"""The demo ledger: realistic, deterministic, written in bulk (``tui-inkasso demo``).

Every later workflow needs material: reminder and demand runs, the collection run (with invoices
ready for it, excluded ones and ones already in a case), balance corrections (payments after a
case was created), payments from the agency (with an overpayment), unmatched payments and dunning
blocks. This module builds two years of such a ledger ending at a given business date.

Demo data is a use case, not the store, so it has its own package; ``services/demo.py`` is its
only caller (it decides whether the demo may run, owns the transaction and audit-logs it).
Why it writes tables directly (the one writer besides services): a million invoices must be
written in well under two minutes, so it assigns every id in Python (no read-backs), builds plain
tuples and hands them to the driver in large batches (``db/bulk.py``: many rows a statement on
SQLite, ``COPY`` on PostgreSQL), parents before children, with the big tables' indexes (and on
PostgreSQL their foreign keys) dropped for the load and built again after it.

The modules: ``catalogue`` (what the ledger is made of: owners, object types, names, payer
habits), ``dates`` (rent months, run days), ``ocr`` (fast OCR references), ``tables`` (which
tables, column shapes, flush order, reset), ``state`` (the builder's shared state and buffers),
``people``, ``estate``, ``history`` and ``scenarios`` (the builder's parts), ``builder`` (the
order of the whole build).

Determinism: everything comes from one ``random.Random(seed)`` and the business date, never from
the clock or from set/hash order, so the same seed and date give the same rows, id for id.

The story the data tells (business date T):

* 4 owners (5 from 100,000 invoices), each with accounts for every role except that one owner
  (KLA) has no "Överskjutande betalning inkasso"; properties in areas; objects of every type and
  SFI category; persons with personnummer from real birth dates, companies with orgnr; one big
  company (K900001) renting dozens of parking spaces, with hundreds of invoices.
* Rent invoices for the 24 months whose invoice date (the 20th of the month before) is on or
  before T, rows for rent, extras and VAT for companies' premises; 5 % direct invoices.
* Payers have habits: autogiro on the due date, bankgiro before it, some late, some partial,
  some never. Reminder/demand runs issue level 1 eight days after the due date and level 2 when
  level 1's deadline has passed; collection runs (Wednesdays) put unpaid invoices in in-house
  cases. Each owner ran those runs up to its own lag before T (``catalogue.OwnerSpec``), so on T some
  invoices are due for a reminder, some for a demand and some are ready for collection.
* Payments after a case are balance corrections (``Payment.collection_case``); some came from
  the agency's bankgiro (method inkasso). A fixed set of scenario invoices (``scenarios.SCENARIOS``)
  guarantees each workflow's material at any size: excluded invoices, an agency overpayment,
  a credit, a dunning-blocked invoice and customer, an unmatched payment.
* No vouchers: the demo's history was booked before the program came.
"""

from tui_inkasso.demo.builder import build_demo
from tui_inkasso.demo.catalogue import (
    AGENCY_BANKGIRO,
    BIG_CUSTOMER_NUMBER,
    DEMO_USER,
    MAX_INVOICES,
    MIN_INVOICES,
)
from tui_inkasso.demo.tables import LEDGER_MODELS, clear_ledger, has_ledger

__all__ = [
    "AGENCY_BANKGIRO", "BIG_CUSTOMER_NUMBER", "DEMO_USER", "LEDGER_MODELS", "MAX_INVOICES", "MIN_INVOICES",
    "build_demo",
    "clear_ledger", "has_ledger",
]
