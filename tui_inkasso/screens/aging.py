"""Reskontra → Åldersanalys: open receivables by days overdue, as a chart and a table (issue 16).

The screen opens on today's report for everything, grouped by property: a stacked bar chart of
the buckets for the largest groups (the rest summed as "Övriga"), its legend, and under it the
table of every group with its buckets, parts and what of it is in collection or in a running
termination, with the rows kept apart and the total pinned last. Keys:

* ``d`` the day (the field at the top; Enter reads it), ``u`` the standard selection,
  ``g`` the grouping (ägare → fastighet → objektstyp → kund), ``i``/``t`` what is done with
  invoices in collection / under termination (med → separat → utan), ``b`` the bucket limits
  (Inställningar → Alternativ – Rapporter), ``v`` the chart on or off (more rows for the table);
* Enter opens a group's invoices (and from there an invoice's detail, as in the ledger);
* ``x`` Excel (a sheet per grouping), ``p`` PDF, both asked for a path; ``/`` filters the groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Header, Input, Label, Static

from tui_inkasso.domain.aging import DEFAULT_LIMITS, Bucket, buckets
from tui_inkasso.domain.counts import count_of, format_count
from tui_inkasso.domain.money import format_kronor
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.report import ReportScreen
from tui_inkasso.screens.selection import parse_date
from tui_inkasso.services import aging_report as ar
from tui_inkasso.services import clock
from tui_inkasso.services.collection_recovery import output_folder
from tui_inkasso.services.report_export import export_aging
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.charts import MoneyChart, Series, ramp
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.filter_field import FilterField
from tui_inkasso.widgets.paged_table import Column, PagedTable, PageQuery, TableRow

GROUP_ORDER = ("property", "owner", "object_type", "customer")
"""``g`` steps through the groupings in this order (property first: the report's default)."""

MODE_ORDER = (ar.Mode.INCLUDE, ar.Mode.APART, ar.Mode.EXCLUDE)

def group_columns(report: ar.AgingReport) -> list[Column]:
    """The group table's columns: the group, the total, each bucket, the parts, the marks."""
    return _columns(report.group_label, report.buckets)


def planned_columns(options: ar.AgingOptions) -> list[Column]:
    """The columns the report of ``options`` will most likely have (the default bucket limits
    unless the options name others), so the table is composed with them and the first report
    fills it instead of replacing it (a new table's mount is part of the time to the first
    chart); a report with other buckets still replaces it."""
    limits = options.limits if options.limits is not None else DEFAULT_LIMITS
    return _columns(ar.GROUPINGS[options.group_by], buckets(limits))


def _columns(label: str, kinds: Sequence[Bucket]) -> list[Column]:
    columns = [Column("name", label, 0, min_width=18), Column("total", "Totalt", 12, align="right")]
    columns += [Column(f"b{i}", b.short, 11, align="right") for i, b in enumerate(kinds)]
    columns += [Column("capital", "Kapital", 12, align="right"), Column("fees", "Avgifter", 9, align="right"),
                Column("interest", "Ränta", 9, align="right"), Column("invoices", "Fakt.", 6, align="right"),
                Column("in_collection", "I inkasso", 11, align="right"),
                Column("in_termination", "Uppsägn.", 10, align="right")]
    return columns


def group_label(row: ar.AgingRow) -> str:
    """"1001 Fyren 1:194", or the name alone for a row kept apart, the totals, no object."""
    if row.apart is not None or not row.key:
        return row.name
    return f"{row.key} {row.name}"


def group_row(row: ar.AgingRow, key: str, style: str = "") -> TableRow:
    """An AgingRow as a table row (``data`` is the AgingRow)."""
    values = [row.total, *row.amounts, row.capital, row.fees, row.interest]
    amounts = [cells.amount(v) for v in values]
    if style:
        for cell in amounts:
            cell.stylize(style)
    name = Text(group_label(row), style=style or ("italic" if row.apart else ""))
    extra = [Text(str(row.invoices), justify="right", style=style), cells.amount(row.in_collection),
             cells.amount(row.in_termination)]
    return TableRow(key, (name, *amounts, *extra), data=row)


class GroupSource:
    """The groups for the table, filtered and sorted in memory; the rows kept apart and the
    totals stay last whatever the order."""

    def __init__(self, groups: Sequence[TableRow], pinned: Sequence[TableRow]) -> None:
        self.groups = list(groups)
        self.pinned = list(pinned)
        self._cache: tuple[PageQuery, list[TableRow]] | None = None

    def _view(self, query: PageQuery) -> list[TableRow]:
        if self._cache is not None and self._cache[0] == query:
            return self._cache[1]
        rows = self.groups
        if query.filter:
            needle = query.filter.lower()
            rows = [r for r in rows if needle in group_label(r.data).lower()]
        if query.sort:
            rows = sorted(rows, key=lambda r: _sort_value(r.data, query.sort or ""), reverse=query.descending)
        view = [*rows, *self.pinned]
        self._cache = (query, view)
        return view

    def count(self, query: PageQuery) -> int:
        """Groups that pass the filter, and the pinned rows."""
        return len(self._view(query))

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """A page."""
        return self._view(query)[offset : offset + limit]


def _sort_value(row: ar.AgingRow, key: str) -> Any:
    if key == "name":
        return row.key or row.name
    if key.startswith("b"):
        return row.amounts[int(key[1:])]
    return getattr(row, key)


class AgingScreen(ReportScreen):
    """Åldersanalys: chart and table of the open receivables by days overdue."""

    SUB_TITLE = "Åldersanalys"
    REPORT = "Åldersanalys"
    SAVE_AS = "åldersanalysen"
    EXCEL_WHAT = "Excelfil (ett blad per gruppering)"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "next_grouping", "Gruppera", id="aging.grouping",
                tooltip="Per fastighet, ägare, objektstyp eller kund"),
        Binding("u", "edit_selection", "Urval", id="aging.selection", tooltip="Ändra urvalet"),
        Binding("d", "edit_date", "Datum", id="aging.date", tooltip="Dagen rapporten gäller"),
        Binding("i", "next_collection", "Inkasso", id="aging.collection",
                tooltip="Fakturor i inkasso: med i sin grupp, på egen rad eller utelämnade"),
        Binding("t", "next_termination", "Uppsägning", id="aging.termination",
                tooltip="Fakturor under uppsägning: med i sin grupp, på egen rad eller utelämnade"),
        Binding("v", "toggle_chart", "Diagram", id="aging.chart", tooltip="Visa eller dölj diagrammet"),
        Binding("x", "export('xlsx')", "Excel", id="aging.excel", tooltip="Spara som Excelfil, ett blad per gruppering"),
        Binding("p", "export('pdf')", "PDF", id="aging.pdf", tooltip="Spara som PDF för utskrift"),
        Binding("b", "edit_buckets", "Intervall", id="aging.buckets",
                tooltip="Ändra åldersintervallen (Alternativ – Rapporter)"),
        Binding("f5", "refresh", "Uppdatera", id="aging.refresh"),
    ]

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = ReportScreen.FOOTER_HIDDEN | {"aging.refresh", "aging.buckets"}

    class Loaded(Message):
        """A report has arrived."""

        def __init__(self, report: ar.AgingReport, folder: Path) -> None:
            super().__init__()
            self.report = report
            self.folder = folder

    def __init__(self, options: ar.AgingOptions | None = None) -> None:
        super().__init__()
        self.options = options or ar.AgingOptions(clock.today())
        self.report: ar.AgingReport | None = None
        self.folder: Path | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with Horizontal(id="aging-head"):
            yield Label("Per ")
            yield Input(self.options.as_of.isoformat(), id="aging-date", placeholder="ÅÅÅÅ-MM-DD", compact=True)
            yield Static("", id="aging-what")
        with Vertical(id="aging-chart-box"):
            yield MoneyChart(id="aging-chart")
            yield Static("", id="aging-legend")
        yield FilterField("/ Filtrera: namn eller kod", tables=("#aging-groups",), id="aging-filter")
        yield PagedTable(planned_columns(self.options), id="aging-groups", loading=True, frozen=1,
                         empty_text="Inga öppna fordringar", no_match="Ingen grupp matchar '{filter}'")
        yield Static("", id="aging-total")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#aging-groups", PagedTable).focus()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._show_legend())
        self._describe()
        self._load(self.options)

    # ------------------------------------------------------------------ loading

    @db_work("Åldersanalys", group="aging", exclusive=True)
    def _load(self, options: ar.AgingOptions) -> None:
        report = ar.aging_report(options)
        self.post_message(self.Loaded(report, output_folder()))

    async def on_aging_screen_loaded(self, message: AgingScreen.Loaded) -> None:
        if message.report.options != self.options:
            return  # an older request; the newer one is on its way
        self.report, self.folder = message.report, message.folder
        self._describe()
        await self._fill_table(message.report)
        self._draw_chart()
        self._show_total(message.report)

    async def _fill_table(self, report: ar.AgingReport) -> None:
        table = self.query_one("#aging-groups", PagedTable)
        columns = group_columns(report)
        if [(c.key, c.label) for c in columns] != [(c.key, c.label) for c in table.columns]:
            table = await self._new_table(table, columns)
        groups = [group_row(row, f"g{index}") for index, row in enumerate(report.groups)]
        pinned = [group_row(row, f"a{row.apart}") for row in report.apart]
        pinned.append(group_row(report.totals, "total", style="bold"))
        table.border_title = f"Per {report.group_label.lower()} ({format_count(len(report.groups))})"
        table.set_source(GroupSource(groups, pinned))

    async def _new_table(self, old: PagedTable, columns: list[Column]) -> PagedTable:
        """A table with the report's columns in the place of the one before (the first report,
        another grouping, or the buckets changed with the setting)."""
        focused = self.focused is old
        await old.remove()
        table = PagedTable(columns, id="aging-groups", frozen=1, empty_text="Inga öppna fordringar",
                           no_match="Ingen grupp matchar '{filter}'")
        await self.mount(table, before=self.query_one("#aging-total"))
        if focused:
            table.focus()
        return table

    def _describe(self) -> None:
        options = self.options
        what = (f"{ar.GROUPINGS[options.group_by]} · {options.selection.describe()} · "
                f"Inkasso: {ar.MODE_LABELS[options.collection]} · Uppsägning: {ar.MODE_LABELS[options.termination]}")
        self.query_one("#aging-what", Static).update(Text(what))

    def _show_total(self, report: ar.AgingReport) -> None:
        total = report.totals
        text = Text.assemble(("Totalt ", "bold"), (f"{format_kronor(total.total)}", "bold"),
                             f" · förfallet {format_kronor(total.overdue)} · {count_of(total.invoices, 'faktura', 'fakturor')}")
        for name, row in report.excluded.items():
            what = "i inkasso" if name == ar.APART_COLLECTION else "under uppsägning"
            text.append(f" · utelämnat {what}: {format_kronor(row.total)}")
        self.query_one("#aging-total", Static).update(text)

    # ------------------------------------------------------------------ the chart

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._draw_chart)

    def _draw_chart(self) -> None:
        """The largest groups (as many as there are rows for bars), largest first."""
        report = self.report
        box = self.query_one("#aging-chart-box")
        if report is None or not box.display:
            return
        chart = self.query_one("#aging-chart", MoneyChart)
        bars = max(1, chart.size.height - 3)  # a bar a row; the frame and the axis take three
        shown = sorted(report.groups, key=lambda r: r.total, reverse=True)[:bars]
        narrow = chart.size.width < 100
        series = [Series(bucket.short if narrow else bucket.label, [row.amounts[i] for row in shown], colour)
                  for i, (bucket, colour) in enumerate(zip(report.buckets, ramp(len(report.buckets)), strict=True))]
        chart.show("stacked", [row.key or row.name for row in shown], series)
        self._shown_bars = len(shown)
        self._show_legend()

    _shown_bars = 0

    def _show_legend(self) -> None:
        legend = self.query_one("#aging-legend", Static)
        report = self.report
        if report is None:
            return
        if not report.groups:
            legend.update(Text("Inga öppna fordringar att visa.", style="dim"))
            return
        text = Text()
        if len(report.groups) > self._shown_bars:
            text.append(f"{self._shown_bars} största av {len(report.groups)}: ", style="dim")
        chart = self.query_one("#aging-chart", MoneyChart)
        text.append_text(chart.legend(tight=chart.size.width < 100))
        legend.update(text)

    def action_toggle_chart(self) -> None:
        """The chart on or off: off gives the table the whole screen."""
        box = self.query_one("#aging-chart-box")
        box.display = not box.display
        if box.display:
            self.call_after_refresh(self._draw_chart)

    # ------------------------------------------------------------------ what the report covers

    def _reload(self, options: ar.AgingOptions) -> None:
        self.options = options
        self.query_one("#aging-groups", PagedTable).expect_rows()
        self._describe()
        self._load(options)

    def action_next_grouping(self) -> None:
        """Property → owner → object type → customer → property."""
        index = GROUP_ORDER.index(self.options.group_by)
        self._reload(replace(self.options, group_by=GROUP_ORDER[(index + 1) % len(GROUP_ORDER)]))

    def action_next_collection(self) -> None:
        """Invoices in collection: in their group → apart → left out."""
        mode = MODE_ORDER[(MODE_ORDER.index(self.options.collection) + 1) % len(MODE_ORDER)]
        self._reload(replace(self.options, collection=mode))

    def action_next_termination(self) -> None:
        """Invoices under termination: in their group → apart → left out."""
        mode = MODE_ORDER[(MODE_ORDER.index(self.options.termination) + 1) % len(MODE_ORDER)]
        self._reload(replace(self.options, termination=mode))

    def action_edit_date(self) -> None:
        """To the day field at the top; Enter reads it."""
        field = self.query_one("#aging-date", Input)
        field.focus()
        field.select_all()

    @on(Input.Submitted, "#aging-date")
    def _date_entered(self, event: Input.Submitted) -> None:
        try:
            day = parse_date(event.value, "Dagen") or clock.today()
        except ValueError as exc:
            self.notify(str(exc), title="Fel datum", severity="error")
            return
        event.input.value = day.isoformat()
        self.query_one("#aging-groups", PagedTable).focus()
        self._reload(replace(self.options, as_of=day))

    def action_edit_buckets(self) -> None:
        """The bucket limits are a setting: its form, then the report again."""
        self.edit_report_settings()

    # ------------------------------------------------------------------ drill-down

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        event.stop()
        row: ar.AgingRow = event.row.data
        if row.apart is not None:
            ref = ar.GroupRef(apart=row.apart)
        elif event.row.key == "total":
            ref = ar.GroupRef(everything=True)
        else:
            ref = ar.GroupRef(row.group_id)
        labels = [b.short for b in self.report.buckets] if self.report is not None else []
        self.app.push_screen(AgingInvoicesScreen(self.options, ref, row, labels))

    # ------------------------------------------------------------------ export

    def report_ready(self) -> bool:
        """A report has arrived."""
        return self.report is not None

    def file_name(self, kind: str) -> str:
        """aldersanalys_YYYYMMDD.xlsx (or .pdf), the report's day."""
        return f"aldersanalys_{self.options.as_of:%Y%m%d}.{kind}"

    def _export(self, path: Path | None, kind: str) -> None:
        if path is not None and self.report is not None:
            self._write(self.options, path, kind, self.report)

    @db_work("Export av åldersanalysen", group="aging-export")
    def _write(self, options: ar.AgingOptions, path: Path, kind: str, report: ar.AgingReport) -> None:
        self.write_file(lambda: export_aging(options, path, kind, report))  # type: ignore[arg-type]  # the dialog's kinds: xlsx, pdf


# --------------------------------------------------------------------------- a group's invoices

INVOICE_COLUMNS = [
    Column("number", "Faktura", 10),
    Column("total", "Saldo", 12, align="right"),
    Column("due_date", "Förfaller", 10),
    Column("days", "Dagar", 5, align="right", sortable=False),
    Column("bucket", "Intervall", 9, sortable=False),
    Column("customer", "Kund", 0, min_width=16),
    Column("capital", "Kapital", 12, align="right"),
    Column("fees", "Avgifter", 9, align="right"),
    Column("interest", "Ränta", 9, align="right"),
    Column("case", "Inkasso", 0, min_width=14, sortable=False),
    Column("termination", "Uppsägning", 10, sortable=False),
]


class InvoiceSource:
    """A group's invoices, counted and paged in SQL (in the table's fetch worker, which holds the
    thread's database connection: ``PagedTable``)."""

    def __init__(self, options: ar.AgingOptions, ref: ar.GroupRef, labels: Sequence[str]) -> None:
        self.options = options
        self.ref = ref
        self.labels = list(labels)

    def count(self, query: PageQuery) -> int:
        """The group's invoices."""
        return ar.count_aging_invoices(self.options, self.ref)

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """A page, oldest due date first unless another order is asked for."""
        lines = ar.aging_invoices(self.options, self.ref, offset=offset, limit=limit,
                                  sort=query.sort or "due_date", descending=query.descending)
        return [self.row(line) for line in lines]

    def row(self, line: ar.AgingInvoice) -> TableRow:
        """An invoice as a row."""
        return TableRow(str(line.id), (
            cells.text(line.number), cells.amount(line.total), cells.date(line.due_date),
            Text(str(line.days_overdue), justify="right"), cells.text(self.labels[line.bucket]),
            cells.text(f"{line.customer_number} {line.customer_name}"), cells.amount(line.capital),
            cells.amount(line.fees), cells.amount(line.interest), cells.text(line.case_text),
            Text("Ja" if line.in_termination else "", style="bold" if line.in_termination else ""),
        ), data=line)


class AgingInvoicesScreen(BaseScreen):
    """The invoices behind one row of the aged receivables; Enter shows an invoice as the ledger does."""

    SUB_TITLE = "Åldersanalys – fakturor"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh", "Uppdatera", id="aging_invoices.refresh"),
    ]

    def __init__(self, options: ar.AgingOptions, ref: ar.GroupRef, row: ar.AgingRow,
                 labels: Sequence[str]) -> None:
        super().__init__()
        self.options = options
        self.ref = ref
        self.group = row
        self.labels = list(labels)
        """The buckets' short names, in order (the report's)."""

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("", id="aging-invoices-head")
        yield PagedTable(INVOICE_COLUMNS, id="aging-invoices", frozen=1, empty_text="Inga fakturor")
        yield Footer()

    def on_mount(self) -> None:
        row = self.group
        grouping = ar.GROUPINGS[self.options.group_by] if row.apart is None and self.ref.group_id is not None else ""
        name = f"{grouping} {group_label(row)}".strip() if not self.ref.everything else "Alla grupper"
        head = Text.assemble((name, "bold"), f" · per {self.options.as_of.isoformat()} · {count_of(row.invoices, 'faktura', 'fakturor')} · "
                             f"{format_kronor(row.total)}, varav förfallet {format_kronor(row.overdue)}")
        self.query_one("#aging-invoices-head", Static).update(head)
        table = self.query_one("#aging-invoices", PagedTable)
        table.border_title = "Fakturor, äldsta förfallodag först"
        table.set_source(InvoiceSource(self.options, self.ref, self.labels))
        table.focus()

    def action_refresh(self) -> None:
        """Read the invoices again."""
        self.query_one("#aging-invoices", PagedTable).reload()

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        event.stop()
        from tui_inkasso.screens.ledger import InvoiceDetailScreen

        self.app.push_screen(InvoiceDetailScreen(int(event.row.key)))
