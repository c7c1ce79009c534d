"""The demo builder: owners, levels and runs, then the estate, the history and the scenarios.

:func:`build_demo` is what the demo service calls inside its one write transaction.
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

from tui_inkasso.db import models as m
from tui_inkasso.db.notice_charges import charge_notice_fees
from tui_inkasso.demo.arrears import ARREARS_SCENARIOS, RentArrears
from tui_inkasso.demo.books import book_history
from tui_inkasso.demo.catalogue import (
    ACCOUNT_NUMBERS,
    DEMO_REFERENCE_RATES,
    DEMO_USER,
    LEVELS,
    MAX_INVOICES,
    MIN_INVOICES,
    OBJECT_TYPES,
    OWNERS,
)
from tui_inkasso.demo.dates import weekday_on_or_after
from tui_inkasso.demo.estate import Estate
from tui_inkasso.demo.scenarios import SCENARIOS
from tui_inkasso.demo.tables import BULK_TABLES, COLUMNS, LEDGER_MODELS
from tui_inkasso.domain.reference_rates import shipped_reference_rates


class DemoBuilder(Estate, RentArrears):
    """Builds the demo ledger into the bound database; call :meth:`build` inside a transaction."""

    # ----------------------------------------------------------------- the whole build
    def build(self) -> dict[str, int]:
        """Write the demo ledger; returns rows written per table."""
        n_rent = round(self.target * 0.95)
        self._levels()
        self._owners()
        self._object_types()
        self._runs()
        self._flush()
        indexes = self.writer.drop_indexes(BULK_TABLES)
        self._master_data(n_rent)
        self._flush()
        scenarios = SCENARIOS + ARREARS_SCENARIOS
        with self.writer.in_background():  # PostgreSQL stores a batch while the next is built
            self._invoices(n_rent, self.target - n_rent - len(scenarios))
            self._scenarios(scenarios)
            self._flush()
        self.writer.create_indexes(indexes)
        self._dwelling_facts()
        self._finish()
        return dict(self.writer.counts)

    def _levels(self) -> None:
        """The demo's two levels; any other configured level would leave nothing ready."""
        table = m.DunningLevelConfig
        table.delete().where(table.level > len(LEVELS)).execute()
        for level in LEVELS:
            table.insert(
                level=level.level, name=level.name, days=level.days, fee=level.fee,
                deadline_days=level.deadline_days, letter_text=level.letter_text, kind=level.kind,
            ).on_conflict(
                conflict_target=[table.level],
                update={table.name: level.name, table.days: level.days, table.fee: level.fee,
                        table.deadline_days: level.deadline_days, table.letter_text: level.letter_text,
                        table.kind: level.kind},
            ).execute()
        self.writer.counts[table._meta.table_name] = len(LEVELS)
        self._reference_rates()

    def _reference_rates(self) -> None:
        """The shipped rates when none are stored, and the half years the demo's dates need
        beyond them (``DEMO_REFERENCE_RATES``); a rate staff entered is never changed."""
        table = m.ReferenceRate
        rows = [] if table.select().exists() else [(r.valid_from, r.rate_bp) for r in shipped_reference_rates()]
        rows += [(day, bp) for day, bp in DEMO_REFERENCE_RATES if day <= self.today]
        for valid_from, rate_bp in rows:
            table.insert(valid_from=valid_from, rate_bp=rate_bp).on_conflict_ignore().execute()

    def _owners(self) -> None:
        count = 4 if self.target < 100_000 else 5
        for spec in OWNERS[:count]:
            owner_id = self._id(m.Owner)
            self.owner_ids.append(owner_id)
            self._add(m.Owner, (
                owner_id, spec.code, spec.name, self._orgnr(), self._bankgiro(), None,
                f"Box {100 + owner_id}", f"{spec.postal}1 {10 + owner_id}", spec.city,
                f"0{10 + owner_id}-{self.rng.randrange(100000, 999999)}",
                f"hyra@{spec.code.lower()}.example.com",
            ))
            for role, number in ACCOUNT_NUMBERS.items():
                if role is m.AccountRole.COLLECTION_OVERPAYMENT and not spec.overpayment_account:
                    continue
                self._add(m.Account, (self._id(m.Account), owner_id, role.value, number, role.value))

    def _object_types(self) -> None:
        for code, name, sfi, *_ in OBJECT_TYPES:
            type_id = self._id(m.ObjectType)
            self.type_ids.append(type_id)
            self._add(m.ObjectType, (type_id, code, name, sfi))

    def _runs(self) -> None:
        """One reminder/demand run per weekday of the period; empty ones are dropped at the end."""
        day = weekday_on_or_after(self.start)
        while day <= self.today:
            run_id = self._id(m.DunningRun)
            self.runs[day] = [run_id, 0, 0]
            self._add(m.DunningRun, (run_id, self.ds[day], f"{self.ds[day]} 07:00:00", DEMO_USER, 0, 0, None))
            day = weekday_on_or_after(day + dt.timedelta(days=1))


    # ----------------------------------------------------------------- totals written last
    def _finish(self) -> None:
        """Case totals and statuses, run totals, empty runs dropped, sequences moved on."""
        writer = self.writer
        today = self.today
        case_rows = []
        closed_events = []
        for case in self.cases.values():
            if case.balance <= 0:
                status, closed = m.CaseStatus.CLOSED.value, case.last_paid or None
                if closed:
                    closed_events.append((self._id(m.CaseEvent), case.id, closed, DEMO_USER, "closed",
                                          "Ärendet avslutat: skulden är betald"))
            elif case.paid_after:
                status, closed = m.CaseStatus.INSTALMENT_PLAN.value, None
            elif (today - case.created).days > 20:
                status, closed = m.CaseStatus.DEMAND_SENT.value, None
            else:
                status, closed = m.CaseStatus.REGISTERED.value, None
            case_rows.append((case.capital, case.fees, status, closed, case.id))
        writer.update_many(
            'UPDATE "collection_case" SET "capital" = ?, "fees" = ?, "status" = ?, "closed_at" = ? WHERE "id" = ?',
            case_rows,
        )
        writer.insert(m.CaseEvent, COLUMNS[m.CaseEvent], closed_events)
        writer.update_many(
            'UPDATE "dunning_run" SET "notices" = ?, "fees" = ? WHERE "id" = ?',
            [(count, fees, run_id) for run_id, count, fees in self.runs.values() if count],
        )
        empty = [(run_id,) for run_id, count, _fees in self.runs.values() if not count]
        writer.update_many('DELETE FROM "dunning_run" WHERE "id" = ?', empty)
        writer.counts["dunning_run"] = writer.counts.get("dunning_run", 0) - len(empty)
        if self.blocked_customers:
            writer.update_many(
                'UPDATE "customer" SET "dunning_blocked_reason" = ?, "dunning_blocked_by" = ?, '
                '"dunning_blocked_at" = ? WHERE "id" = ?',
                [(reason, DEMO_USER, at, cid) for cid, (reason, at) in self.blocked_customers.items()],
            )
        # The history's letters charged fees: each becomes a charge of the claim (db/notice_charges.py).
        charge_notice_fees(writer.database)
        # The history in the owners' books: its interest charged, its charges and payments booked.
        book_history(writer, self.today)
        writer.counts["invoice_charge"] = m.InvoiceCharge.select().count()
        writer.fix_sequences([*LEDGER_MODELS])



def build_demo(database: pw.Database, *, invoices: int, seed: int, today: dt.date) -> dict[str, int]:
    """Write a demo ledger of exactly ``invoices`` invoices; returns rows written per table.

    Call inside one write transaction on a database without a ledger (see :func:`has_ledger`).
    """
    if not MIN_INVOICES <= invoices <= MAX_INVOICES:
        raise ValueError(f"invoices must be between {MIN_INVOICES} and {MAX_INVOICES}, not {invoices}")
    return DemoBuilder(database, invoices=invoices, seed=seed, today=today).build()
