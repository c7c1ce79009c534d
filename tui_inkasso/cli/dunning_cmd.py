"""Reminder and demand commands: `dunning-run`, `dunning-levels`, `reprint`, `block`, `unblock`.

* ``tui-inkasso dunning-run [--date D] [--dry-run] [selection] [--leave-out INVOICE ...] [--out DIR]``
  issues the next level to every due invoice (or, with ``--dry-run``, lists what it would).
* ``tui-inkasso dunning-levels [show | set FILE.json | defaults]`` shows or replaces the levels
  (``defaults``: the lawful default configuration); the file has the form ``show --json``
  prints: ``{"levels": [{"level": 1, "name": "Påminnelse", "kind": "reminder", "days": 10,
  "fee": "60.00", "deadline_days": 10, "letter_text": "..."}, ...]}``. A configuration the law
  does not allow (a fee above its ceiling, a fee on a reminder without fee, a collection fee on
  two levels) is refused with every reason.
* ``tui-inkasso reprint INVOICE [--level N] [--out PATH] [--print] [--text]`` prints a notice's
  stored letter again.
* ``tui-inkasso block invoice|customer NUMBER --reason R`` and ``unblock invoice|customer NUMBER``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tui_inkasso.cli.common import CliError, Output, date_arg
from tui_inkasso.cli.selection_options import add_selection_options, selection_from_args
from tui_inkasso.domain.dunning import DunningLevel, is_demand_level
from tui_inkasso.domain.level_fees import level_kind
from tui_inkasso.domain.level_kinds import LevelKind
from tui_inkasso.domain.money import MoneyError, format_amount, format_sek, parse_amount
from tui_inkasso.services import (
    clock,
    dunning_blocks,
    dunning_candidates,
    dunning_levels,
    dunning_reprint,
    dunning_run,
)


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add dunning-run, dunning-levels, reprint, block and unblock."""
    _register_run(subparsers, parent)
    _register_levels(subparsers, parent)
    _register_reprint(subparsers, parent)
    _register_blocks(subparsers, parent)


# --------------------------------------------------------------------------- dunning-run


def _register_run(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    cmd = subparsers.add_parser(
        "dunning-run", parents=[parent], help="påminnelse-/kravkörning: skicka nästa kravnivå",
        description="Skickar nästa kravnivå till varje faktura som står på tur: alla brev i en "
        "PDF, allt registrerat i en transaktion. --dry-run visar bara vad som skulle skickas.",
    )
    cmd.add_argument("--date", type=date_arg, metavar="DATE", help="körningsdatum, ÅÅÅÅ-MM-DD (standard: i dag)")
    cmd.add_argument("--dry-run", action="store_true", help="visa bara vad som skulle skickas; inget sparas")
    cmd.add_argument("--leave-out", nargs="+", default=[], metavar="INVOICE",
                     help="fakturanummer som lämnas utanför den här körningen")
    cmd.add_argument("--out", type=Path, metavar="DIR", help="mapp för PDF:en (standard: dunning.letters_dir)")
    add_selection_options(cmd)
    cmd.set_defaults(handler=_run)


def _invoice_ids(numbers: list[str]) -> dict[int, str]:
    from tui_inkasso.services.invoice_detail import find_invoice

    return {find_invoice(number).id: number for number in numbers}


def _run(args: argparse.Namespace) -> Output:
    run_date = args.date or clock.today()
    selection = selection_from_args(args)
    leave_out = _invoice_ids(args.leave_out)
    if args.dry_run:
        return _dry_run(run_date, selection, leave_out)
    result = dunning_run.run_dunning(run_date, selection, set(leave_out), args.out)
    data = {
        "run_date": run_date,
        "dry_run": False,
        "selection": selection.to_dict(),
        "run_id": result.run_id,
        "pdf": str(result.pdf_path) if result.pdf_path else None,
        "count": result.count,
        "fees": format_amount(result.fees),
        "interest": format_amount(result.interest),
        "total": format_amount(result.total),
        "left_out": [leave_out[i] for i in result.left_out],
        "notices": [
            {"invoice": n.invoice_number, "level": n.level, "name": n.level_name, "fee": format_amount(n.fee),
             "interest": format_amount(n.interest), "total": format_amount(n.total), "deadline": n.deadline}
            for n in result.notices
        ],
    }
    return Output(data, result.message)


def _dry_run(run_date: Any, selection: Any, leave_out: dict[int, str]) -> Output:
    preview = dunning_candidates.preview_run(run_date, selection)
    rows = [r for r in preview.rows if r.invoice_id not in leave_out]
    data = {
        "run_date": run_date,
        "dry_run": True,
        "selection": selection.to_dict(),
        "count": len(rows),
        "balance": format_amount(sum(r.balance for r in rows)),
        "fees": format_amount(sum(r.fee for r in rows)),
        "interest": format_amount(sum(r.interest for r in rows)),
        "total": format_amount(sum(r.total for r in rows)),
        "left_out": [n for i, n in leave_out.items() if i in {r.invoice_id for r in preview.rows}],
        "problems": preview.problems,
        "notices": [
            {"invoice": r.invoice_number, "customer": r.customer_number, "kind": r.kind, "due_date": r.due_date,
             "level": r.level, "name": r.level_name, "balance": format_amount(r.balance),
             "fee": format_amount(r.fee), "interest": format_amount(r.interest),
             "total": format_amount(r.total), "deadline": r.deadline}
            for r in rows
        ],
    }
    lines = [f"{r.invoice_number:<12} {r.customer_number:<10} {r.level_name:<12} "
             f"{format_sek(r.balance):>12} {format_sek(r.fee):>8} {format_sek(r.interest):>9}" for r in rows]
    lines.append(f"{len(rows)} brev skulle skickas {run_date.isoformat()}, avgifter "
                 f"{format_sek(sum(r.fee for r in rows))} kr (provkörning, inget sparat).")
    lines += [f"Fel: {p}" for p in preview.problems]
    return Output(data, "\n".join(lines), exit_code=1 if preview.problems else 0)


# --------------------------------------------------------------------------- dunning-levels


def _register_levels(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    cmd = subparsers.add_parser("dunning-levels", parents=[parent], help="visa eller ersätt kravnivåerna",
                                description="Visa kravnivåerna, eller ersätt alla med dem i en JSON-fil.")
    sub = cmd.add_subparsers(dest="action", metavar="ACTION")
    cmd.set_defaults(handler=_levels_show)
    show = sub.add_parser("show", parents=[parent], help="de inlagda kravnivåerna")
    show.set_defaults(handler=_levels_show)
    put = sub.add_parser("set", parents=[parent], help="ersätt alla kravnivåer med dem i FILE.json")
    put.add_argument("file", type=Path, metavar="FILE.json", help="samma form som dunning-levels show --json skriver")
    put.set_defaults(handler=_levels_set)
    lawful = sub.add_parser("defaults", parents=[parent],
                            help="ersätt kravnivåerna med standardnivåerna (påminnelse 60 kr, inkassokrav 180 kr)")
    lawful.set_defaults(handler=_levels_defaults)


def level_json(level: DunningLevel) -> dict[str, Any]:
    """A level in the file form (fee as "60.00"; kind as its code: reminder, reminder_no_fee,
    collection_demand, with its Swedish name in kind_text)."""
    kind = level_kind(level)
    return {"level": level.level, "name": level.name, "days": level.days, "fee": format_amount(level.fee_ore),
            "deadline_days": level.deadline_days, "letter_text": level.letter_text,
            "kind": kind.value, "kind_text": kind.label}


def _levels_output(levels: list[DunningLevel]) -> Output:
    lines = [f"{lv.level}. {lv.name:<14} {level_kind(lv).label:<22} {lv.days:>3} dagar  avgift "
             f"{format_sek(lv.fee_ore):>7} kr  betalningstid {lv.deadline_days} dagar"
             for lv in levels] or ["Inga kravnivåer är inlagda."]
    return Output({"levels": [level_json(lv) for lv in levels]}, "\n".join(lines))


def _levels_show(args: argparse.Namespace) -> Output:
    return _levels_output(dunning_levels.get_levels())


def read_levels_file(path: Path) -> list[DunningLevel]:
    """The levels in ``path``; an error names the file, the level and the field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"{path}: filen kan inte läsas: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}: rad {exc.lineno}, kolumn {exc.colno}: ogiltig JSON") from None
    items = data.get("levels") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise CliError(f'{path}: väntade {{"levels": [...]}} eller en lista med kravnivåer')
    return [_level_from_json(path, number, item) for number, item in enumerate(items, start=1)]


_KIND_WORDS = {int: "ett heltal", str: "en text"}
"""A JSON field's expected type, as the error message names it."""


def _level_from_json(path: Path, number: int, item: Any) -> DunningLevel:
    where = f"{path}: nivå {number}"
    if not isinstance(item, dict):
        raise CliError(f"{where}: väntade ett objekt")

    def field(name: str, kind: type) -> Any:
        value = item.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise CliError(f"{where}: fältet {name} är {value!r}; väntade {_KIND_WORDS[kind]}")
        return value

    try:
        fee = parse_amount(str(item.get("fee", "0")))
    except MoneyError as exc:
        raise CliError(f"{where}: fältet fee: {exc}") from None
    level = field("level", int)
    kind = ""
    if item.get("kind") not in (None, ""):
        text = str(item["kind"])
        try:
            kind = LevelKind.parse(_OLD_KIND_WORDS.get(text, text)).value
        except ValueError as exc:
            raise CliError(f"{where}: fältet kind: {exc}") from None
    return DunningLevel(level, field("name", str), field("days", int), fee, field("deadline_days", int),
                        str(item.get("letter_text", "")), is_demand_level(level), kind)


_OLD_KIND_WORDS = {"demand": LevelKind.COLLECTION_DEMAND.value}
"""``kind`` as files written before levels had kinds said it ("demand" for every later level)."""


def _levels_set(args: argparse.Namespace) -> Output:
    return _levels_output(dunning_levels.save_levels(read_levels_file(args.file)))


def _levels_defaults(args: argparse.Namespace) -> Output:
    return _levels_output(dunning_levels.save_levels(dunning_levels.default_levels()))


# --------------------------------------------------------------------------- reprint


def _register_reprint(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    cmd = subparsers.add_parser(
        "reprint", parents=[parent], help="återutskrift: skriv ut en påminnelse eller ett krav igen",
        description="Skriv ut en påminnelse eller ett krav igen, precis som det skickades. Utan "
        "--out, --print och --text sparas PDF:en i mappen för påminnelser och krav.",
    )
    cmd.add_argument("invoice", metavar="INVOICE", help="fakturanummer eller OCR-nummer")
    cmd.add_argument("--level", type=int, metavar="N", help="kravnivå (standard: den senast skickade)")
    cmd.add_argument("--out", type=Path, metavar="PATH", help="spara PDF:en här")
    cmd.add_argument("--print", dest="to_printer", action="store_true", help="skicka till skrivaren (dunning.printer)")
    cmd.add_argument("--text", action="store_true", help="visa brevet som text; inget sparas")
    cmd.set_defaults(handler=_reprint)


def _reprint(args: argparse.Namespace) -> Output:
    notice = dunning_reprint.find_notice(args.invoice, args.level)
    base = {"invoice": notice.invoice_number, "level": notice.level, "name": notice.name,
            "issued_on": notice.issued_on, "notice_id": notice.notice_id}
    if args.text:
        stored = dunning_reprint.stored_letter(notice.notice_id)
        text = dunning_reprint.preview_text(notice.notice_id)
        return Output({**base, "rebuilt": stored.rebuilt, "text": text}, text.rstrip("\n"))
    path = args.out
    if path is None and not args.to_printer:
        path = dunning_reprint.default_reprint_path(notice.notice_id)
    result = dunning_reprint.print_notice(notice.notice_id, path, to_printer=args.to_printer)
    data = {**base, "pdf": str(result.path) if result.path else None, "printer": result.printer,
            "rebuilt": result.rebuilt}
    note = " (brevet återskapat: det sparades inte när kravet skickades)" if result.rebuilt else ""
    return Output(data, result.message + note)


# --------------------------------------------------------------------------- blocks


def _register_blocks(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    block = subparsers.add_parser("block", parents=[parent], help="kravspärr: inga påminnelser eller krav för en faktura eller kund",
                                  description="Spärra påminnelser och krav för en faktura eller en kund.")
    block.add_argument("what", choices=["invoice", "customer"], help="invoice = faktura, customer = kund")
    block.add_argument("number", metavar="NUMBER", help="fakturanummer eller kundnummer")
    block.add_argument("--reason", required=True, help="skälet (syns i reskontran och i loggen)")
    block.set_defaults(handler=_block)
    unblock = subparsers.add_parser("unblock", parents=[parent], help="ta bort en kravspärr",
                                    description="Ta bort en kravspärr från en faktura eller en kund.")
    unblock.add_argument("what", choices=["invoice", "customer"], help="invoice = faktura, customer = kund")
    unblock.add_argument("number", metavar="NUMBER", help="fakturanummer eller kundnummer")
    unblock.set_defaults(handler=_unblock)


def _target(what: str, number: str) -> int:
    if what == "customer":
        return dunning_blocks.customer_id_by_number(number)
    from tui_inkasso.services.invoice_detail import find_invoice

    return find_invoice(number).id


def _block_output(info: dunning_blocks.BlockInfo) -> Output:
    label = "Kunden" if info.object_type == "customer" else "Fakturan"
    text = (f"{label} {info.number} har kravspärr: {info.reason}" if info.reason
            else f"{label} {info.number} har inte längre någon kravspärr.")
    data = {"type": info.object_type, "number": info.number, "blocked": info.reason is not None,
            "reason": info.reason, "by": info.by, "at": info.at}
    return Output(data, text)


def _block(args: argparse.Namespace) -> Output:
    target = _target(args.what, args.number)
    if args.what == "customer":
        return _block_output(dunning_blocks.block_customer(target, args.reason))
    return _block_output(dunning_blocks.block_invoice(target, args.reason))


def _unblock(args: argparse.Namespace) -> Output:
    target = _target(args.what, args.number)
    if args.what == "customer":
        return _block_output(dunning_blocks.unblock_customer(target))
    return _block_output(dunning_blocks.unblock_invoice(target))
