"""Reskontra → Inkassoöversikt: what went to collection, what came back, what is left (issue 16).

The screen opens on the last twelve months for everything: at the top two charts, the amounts
sent and recovered per month (bars: sent, through the agency, paid directly) and the amount open
in collection at each month end (a line); in a narrow terminal one of them at a time (``v``
steps: bars → line → none). Under them four tabs (``f`` or 1–4): the months (with the totals
pinned last), the dunning letters' effect, the in-house register's cases by status, and the
open cases without an event for more than the setting's days (Enter opens the case).

``d`` goes to the period's fields (Enter in each), ``u`` the standard selection, ``x``/``p``
Excel and PDF, ``n`` the stalled-case days (Inställningar → Alternativ – Rapporter).
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
from textual.widgets import Footer, Header, Input, Label, Static, TabbedContent, TabPane

from tui_inkasso.domain.codes import case_status_label
from tui_inkasso.domain.collection_systems import SYSTEMS
from tui_inkasso.domain.counts import count_of, format_count
from tui_inkasso.screens.report import ReportScreen
from tui_inkasso.screens.selection import parse_date
from tui_inkasso.services import clock
from tui_inkasso.services import collection_overview as co
from tui_inkasso.services.collection_recovery import output_folder
from tui_inkasso.services.report_export import export_overview
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.charts import BLUE, GREEN, ORANGE, TEAL, MoneyChart, Series
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, PageQuery, TableRow

MONTH_NAMES = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

TABS = ("tab-months", "tab-letters", "tab-statuses", "tab-stalled")

LETTER_COLUMNS = [
    Column("name", "Nivå", 0, min_width=12),
    Column("letters", "Brev", 7, align="right"),
    Column("claimed", "Krävt", 13, align="right"),
    Column("paid", "Betalt", 13, align="right"),
    Column("paid_in_full", "Betalt helt", 11, align="right"),
    Column("paid_partly", "Delvis", 7, align="right"),
    Column("share", "Andel helt", 10, align="right"),
]
STATUS_COLUMNS = [
    Column("status", "Status", 0, min_width=20),
    Column("cases", "Ärenden", 8, align="right"),
    Column("claimed", "Krävt", 14, align="right"),
    Column("open", "Kvar", 14, align="right"),
]
STALLED_COLUMNS = [
    Column("number", "Ärende", 14),
    Column("open", "Kvar", 12, align="right"),
    Column("last", "Senaste händelse", 16),
    Column("days", "Dagar", 6, align="right"),
    Column("status", "Status", 19),
    Column("customer", "Kund", 0, min_width=16),
]


def month_label(code: str) -> str:
    """"2026-10" → "okt"."""
    return MONTH_NAMES[int(code[5:7]) - 1]


def month_columns() -> list[Column]:
    """The month table: the money first, then the counts, then what each system was sent (every
    system, so the table keeps its columns whatever the period)."""
    columns = [Column("month", "Månad", 7), Column("sent", "Skickat", 13, align="right"),
               Column("agency", "Via inkasso", 12, align="right"), Column("direct", "Direkt", 12, align="right"),
               Column("open", "Öppet i inkasso", 15, align="right"), Column("count", "Fakt.", 6, align="right"),
               Column("cases", "Ärenden", 7, align="right"), Column("closed", "Avslutade", 9, align="right"),
               Column("credited", "Krediterat", 11, align="right")]
    columns += [Column(f"sys-{spec.code}", f"Skickat {spec.short_label}", 14, align="right") for spec in SYSTEMS]
    return columns


MONTH_COLUMNS = month_columns()


class WithTotals:
    """A ListSource and rows pinned after it (the totals), whatever the filter and the order."""

    def __init__(self, source: ListSource, pinned: Sequence[TableRow]) -> None:
        self.source = source
        self.pinned = list(pinned)

    def count(self, query: PageQuery) -> int:
        """The source's rows and the pinned ones."""
        return self.source.count(query) + len(self.pinned)

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """A page of the source's rows followed by the pinned ones."""
        counted = self.source.count(query)
        rows = list(self.source.rows(query, offset, limit))
        if offset + limit > counted:
            start = max(0, offset - counted)
            rows += self.pinned[start : start + limit - len(rows)]
        return rows


def month_rows(overview: co.CollectionOverview) -> list[TableRow]:
    """A row per month and the totals last (the open amount is a balance: not summed)."""
    systems = [spec.code for spec in SYSTEMS]

    def row(key: str, label: str, month: Any, open_amount: int | None, style: str = "") -> TableRow:
        values = [cells.amount(month["sent"]), cells.amount(month["agency"]), cells.amount(month["direct"]),
                  cells.amount(open_amount), _count(month["count"]), _count(month["cases"]),
                  _count(month["closed"]), cells.amount(month["credited"]),
                  *(cells.amount(month["systems"].get(code, 0)) for code in systems)]
        for cell in values:
            cell.stylize(style)
        return TableRow(key, (Text(label, style=style), *values), data=month)

    rows = []
    for m in overview.months:
        data = {"sent": m.sent_total, "agency": m.recovered_agency, "direct": m.recovered_direct,
                "open": m.open_in_collection,
                "count": m.sent_count, "cases": m.cases_created, "closed": m.closed_count,
                "credited": m.credited, "systems": m.sent}
        rows.append(row(m.month, m.month, data, m.open_in_collection))
    totals = {"sent": overview.total("sent_total"), "agency": overview.total("recovered_agency"), "open": 0,
              "direct": overview.total("recovered_direct"), "count": overview.total("sent_count"),
              "cases": overview.total("cases_created"), "closed": overview.total("closed_count"),
              "credited": overview.total("credited"),
              "systems": {code: sum(m.sent.get(code, 0) for m in overview.months) for code in systems}}
    rows.append(row("total", "Totalt", totals, None, "bold"))
    return rows


def _count(value: int) -> Text:
    return Text(str(value), justify="right")


class CollectionOverviewScreen(ReportScreen):
    """Inkassoöversikt: per month sent, recovered and open; the letters' effect; the register."""

    SUB_TITLE = "Inkassoöversikt"
    REPORT = "Inkassoöversikt"
    SAVE_AS = "inkassoöversikten"
    EXCEL_WHAT = "Excelfil (ett blad per del)"
    NOT_READY = "Översikten är inte klar än."

    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (110, "-wide")]  # type: ignore[misc]  # Screen's `ClassVar[...] | None` reads as an instance variable
    """Below 110 columns the two charts take turns (``v``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "edit_period", "Period", id="overview.period", tooltip="Ändra periodens första och sista dag"),
        Binding("u", "edit_selection", "Urval", id="overview.selection", tooltip="Ändra urvalet"),
        Binding("f", "next_tab", "Flik", id="overview.tab",
                tooltip="Nästa flik: per månad, kravens effekt, ärenden per status, utan händelse"),
        Binding("v", "next_chart", "Diagram", id="overview.chart", tooltip="Byt diagram, eller dölj dem"),
        Binding("x", "export('xlsx')", "Excel", id="overview.excel", tooltip="Spara som Excelfil, ett blad per del"),
        Binding("p", "export('pdf')", "PDF", id="overview.pdf", tooltip="Spara som PDF för utskrift"),
        Binding("n", "edit_stalled_days", "Dagar", id="overview.stalled_days",
                tooltip="Hur länge ett ärende får stå utan händelse (Alternativ – Rapporter)"),
        Binding("1", "tab(0)", "Per månad", show=False, id="overview.tab1"),
        Binding("2", "tab(1)", "Kravens effekt", show=False, id="overview.tab2"),
        Binding("3", "tab(2)", "Ärenden per status", show=False, id="overview.tab3"),
        Binding("4", "tab(3)", "Utan händelse", show=False, id="overview.tab4"),
        Binding("f5", "refresh", "Uppdatera", id="overview.refresh"),
    ]

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = ReportScreen.FOOTER_HIDDEN | {"overview.refresh",
                                                                          "overview.stalled_days"}

    class Loaded(Message):
        """An overview has arrived."""

        def __init__(self, overview: co.CollectionOverview, folder: Path) -> None:
            super().__init__()
            self.overview = overview
            self.folder = folder

    def __init__(self, options: co.OverviewOptions | None = None) -> None:
        super().__init__()
        if options is None:
            start, end = co.default_period(clock.today())
            options = co.OverviewOptions(start, end)
        self.options = options
        self.overview: co.CollectionOverview | None = None
        self.folder: Path | None = None
        self.chart_view = 0
        """Which charts show: 0 both (one at a time when narrow: the bars), 1 the line, 2 none."""

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with Horizontal(id="overview-head"):
            yield Label("Period ")
            yield Input(self.options.date_from.isoformat(), id="overview-from", placeholder="ÅÅÅÅ-MM-DD",
                        compact=True)
            yield Label(" – ")
            yield Input(self.options.date_to.isoformat(), id="overview-to", placeholder="ÅÅÅÅ-MM-DD", compact=True)
            yield Static("", id="overview-what")
        with Horizontal(id="overview-charts"):
            with Vertical(id="overview-sent-box", classes="chart-box"):
                yield MoneyChart(id="overview-sent")
                yield Static("", id="overview-sent-legend", classes="chart-legend")
            with Vertical(id="overview-open-box", classes="chart-box"):
                yield MoneyChart(id="overview-open")
                yield Static("", id="overview-open-legend", classes="chart-legend")
        with TabbedContent(id="overview-tabs"):
            with TabPane("Per månad", id="tab-months"):
                yield PagedTable(MONTH_COLUMNS, id="overview-months", loading=True, frozen=1,
                                 empty_text="Inga månader")
            with TabPane("Kravens effekt", id="tab-letters"):
                yield PagedTable(LETTER_COLUMNS, id="overview-letters", loading=True, frozen=1,
                                 empty_text="Inga påminnelser eller krav i perioden")
            with TabPane("Per status", id="tab-statuses"):
                yield PagedTable(STATUS_COLUMNS, id="overview-statuses", loading=True,
                                 empty_text="Inga ärenden i det egna ärenderegistret")
            with TabPane("Utan händelse", id="tab-stalled"):
                yield PagedTable(STALLED_COLUMNS, id="overview-stalled", loading=True, frozen=1,
                                 empty_text="Inga ärenden som stått stilla")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#overview-months", PagedTable).focus()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._show_legends())
        self._describe()
        self._load(self.options)

    # ------------------------------------------------------------------ loading

    @db_work("Inkassoöversikt", group="overview", exclusive=True)
    def _load(self, options: co.OverviewOptions) -> None:
        overview = co.collection_overview(options)
        self.post_message(self.Loaded(overview, output_folder()))

    def on_collection_overview_screen_loaded(self, message: CollectionOverviewScreen.Loaded) -> None:
        if message.overview.options != self.options:
            return
        overview = self.overview = message.overview
        self.folder = message.folder
        self._fill_months(overview)
        self._fill(overview)
        self._draw_charts()
        self._describe()

    def _fill_months(self, overview: co.CollectionOverview) -> None:
        table = self.query_one("#overview-months", PagedTable)
        rows = month_rows(overview)
        table.set_source(WithTotals(ListSource(MONTH_COLUMNS, rows[:-1], sort_value=_month_sort), rows[-1:]))
        table.border_title = count_of(len(overview.months), 'månad', 'månader')

    def _fill(self, overview: co.CollectionOverview) -> None:
        letters = [TableRow(str(e.level), (
            cells.text(e.name), _count(e.letters), cells.amount(e.claimed), cells.amount(e.paid),
            _count(e.paid_in_full), _count(e.paid_partly), Text(_percent(e.share_paid), justify="right"),
        ), data=e) for e in overview.effects]
        table = self.query_one("#overview-letters", PagedTable)
        table.set_source(ListSource(LETTER_COLUMNS, letters, sort_value=_attribute_sort))
        table.border_title = "Brev i perioden, betalda före nästa nivå eller inkasso"
        statuses = [TableRow(s.status, (cells.text(s.label), _count(s.cases), cells.amount(s.claimed),
                                        cells.amount(s.open)), data=s) for s in overview.statuses]
        table = self.query_one("#overview-statuses", PagedTable)
        table.set_source(ListSource(STATUS_COLUMNS, statuses, sort_value=_attribute_sort))
        table.border_title = "Eget ärenderegister, i dag"
        stalled = [TableRow(str(c.id), (
            cells.text(c.number), cells.amount(c.open), cells.date(c.last_event.date()), _count(c.days),
            cells.text(case_status_label(c.status)), cells.text(f"{c.customer_number} {c.customer_name}"),
        ), data=c) for c in overview.stalled]
        table = self.query_one("#overview-stalled", PagedTable)
        table.set_source(ListSource(STALLED_COLUMNS, stalled, sort_value=_attribute_sort))
        table.border_title = f"Öppna ärenden utan händelse på mer än {overview.stalled_days} dagar ({format_count(len(stalled))})"
        self.query_one("#overview-tabs", TabbedContent).get_tab("tab-stalled").label = (
            f"Utan händelse ({format_count(len(stalled))})")

    def _describe(self) -> None:
        self.query_one("#overview-what", Static).update(Text(self.options.selection.describe()))

    # ------------------------------------------------------------------ the charts

    def on_resize(self, event: events.Resize) -> None:
        self._apply_chart_view()
        self.call_after_refresh(self._draw_charts)

    def _draw_charts(self) -> None:
        overview = self.overview
        if overview is None:
            return
        labels = [month_label(m.month) for m in overview.months]
        self.query_one("#overview-sent", MoneyChart).show("grouped", labels, [
            Series("Skickat", [m.sent_total for m in overview.months], BLUE),
            Series("Via inkasso", [m.recovered_agency for m in overview.months], GREEN),
            Series("Direkt", [m.recovered_direct for m in overview.months], TEAL),
        ])
        self.query_one("#overview-open", MoneyChart).show("line", labels, [
            Series("Öppet i inkasso vid månadens slut", [m.open_in_collection for m in overview.months], ORANGE),
        ])
        self._show_legends()

    def _show_legends(self) -> None:
        for chart_id in ("overview-sent", "overview-open"):
            chart = self.query_one(f"#{chart_id}", MoneyChart)
            legend = self.query_one(f"#{chart_id}-legend", Static)
            legend.update(Text("Inget att visa i perioden.", style="dim") if chart.is_empty else chart.legend())

    def action_next_chart(self) -> None:
        """Both charts (narrow: the bars) → the line → none → again."""
        self.chart_view = (self.chart_view + 1) % 3
        self._apply_chart_view()
        self.call_after_refresh(self._draw_charts)

    def _apply_chart_view(self) -> None:
        narrow = self.size.width < 110
        charts = self.query_one("#overview-charts")
        charts.display = self.chart_view != 2
        self.query_one("#overview-sent-box").display = self.chart_view == 0
        self.query_one("#overview-open-box").display = self.chart_view == 1 or (self.chart_view == 0 and not narrow)

    # ------------------------------------------------------------------ tabs and rows

    def action_next_tab(self) -> None:
        """The next tab (and the focus to its table)."""
        tabs = self.query_one("#overview-tabs", TabbedContent)
        index = TABS.index(tabs.active) if tabs.active in TABS else 0
        self.action_tab((index + 1) % len(TABS))

    def action_tab(self, index: int) -> None:
        """Tab ``index`` (0–3) and the focus to its table."""
        tabs = self.query_one("#overview-tabs", TabbedContent)
        tabs.active = TABS[index]
        pane = self.query_one(f"#{TABS[index]}", TabPane)
        pane.query_one(PagedTable).focus()

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        event.stop()
        if event.control.id == "overview-stalled":
            from tui_inkasso.screens.cases import CaseScreen

            self.app.push_screen(CaseScreen(int(event.row.key)), lambda _: self.action_refresh())

    # ------------------------------------------------------------------ the period and the selection

    def _reload(self, options: co.OverviewOptions) -> None:
        self.options = options
        for table in self.query(PagedTable):
            table.expect_rows()
        self._describe()
        self._load(options)

    def action_edit_period(self) -> None:
        """To the period's first day; Enter moves to the last, Enter there reads both."""
        field = self.query_one("#overview-from", Input)
        field.focus()
        field.select_all()

    @on(Input.Submitted, "#overview-from")
    def _from_entered(self) -> None:
        field = self.query_one("#overview-to", Input)
        field.focus()
        field.select_all()

    @on(Input.Submitted, "#overview-to")
    def _to_entered(self) -> None:
        try:
            start = parse_date(self.query_one("#overview-from", Input).value, "Periodens första dag")
            end = parse_date(self.query_one("#overview-to", Input).value, "Periodens sista dag")
            default_start, default_end = co.default_period(end or clock.today())
            start, end = start or default_start, end or default_end
            co.month_spans(start, end)
        except (ValueError, co.OverviewError) as exc:
            self.notify(str(exc), title="Fel period", severity="error")
            return
        self.query_one("#overview-from", Input).value = start.isoformat()
        self.query_one("#overview-to", Input).value = end.isoformat()
        self.query_one("#overview-months", PagedTable).focus()
        self._reload(replace(self.options, date_from=start, date_to=end))

    def action_edit_stalled_days(self) -> None:
        """The stalled-case days are a setting: its form, then the overview again."""
        self.edit_report_settings()

    # ------------------------------------------------------------------ export

    def report_ready(self) -> bool:
        """An overview has arrived."""
        return self.overview is not None

    def file_name(self, kind: str) -> str:
        """inkassooversikt_FROM_TO.xlsx (or .pdf), the period's first and last day."""
        return f"inkassooversikt_{self.options.date_from:%Y%m%d}_{self.options.date_to:%Y%m%d}.{kind}"

    def _export(self, path: Path | None, kind: str) -> None:
        if path is not None and self.overview is not None:
            self._write(self.overview, path, kind)

    @db_work("Export av inkassoöversikten", group="overview-export")
    def _write(self, overview: co.CollectionOverview, path: Path, kind: str) -> None:
        self.write_file(lambda: export_overview(overview, path, kind))  # type: ignore[arg-type]  # the dialog's kinds: xlsx, pdf


def _month_sort(row: TableRow, key: str) -> Any:
    data = row.data
    if key == "month":
        return row.key
    if key.startswith("sys-"):
        return data["systems"].get(key[4:], 0)
    return data[key]


def _attribute_sort(row: TableRow, key: str) -> Any:
    value = getattr(row.data, {"share": "share_paid", "last": "last_event", "customer": "customer_name"}.get(key, key),
                    None)
    return value if value is not None else ""


def _percent(share: float) -> str:
    return f"{share * 100:.1f} %".replace(".", ",")

