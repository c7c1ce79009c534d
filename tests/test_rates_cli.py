"""`tui-inkasso rates list | set`: the reference rate entered without the app (issue 13 review,
item 1), on SQLite and PostgreSQL: a server-only installation can run reminders after
2026-07-01 once the rate is in; the refusal before names both ways to enter it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.common import database_digest, run, run_json
from tests.ledger_data import SmallLedger, small_any
from tui_inkasso.db.models import AuditEntry, DunningRun, ReferenceRate
from tui_inkasso.domain.interest import ReferenceRate as Rate
from tui_inkasso.services.dunning_levels import get_reference_rates

__all__ = ["small_any"]  # the fixture, imported for pytest

H2_2026 = dt.date(2026, 7, 1)


def _without_h2_2026() -> None:
    ReferenceRate.delete().where(ReferenceRate.valid_from == H2_2026).execute()


def test_a_run_refused_for_the_missing_rate_runs_once_it_is_set(small_any: SmallLedger, any_db: str,
                                                                 tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _without_h2_2026()
    listed = run_json(capsys, any_db, "rates", "list")
    assert listed["missing"] == ["2026-07-01"]
    assert listed["rates"][-1] == {"valid_from": "2026-01-01", "rate": "2.00"}
    code, out, _ = run(capsys, any_db, "rates", "list")
    assert code == 0 and "Saknas: 2026-07-01–2026-12-31 (lägg in med tui-inkasso rates set 2026-07-01 RÄNTA)" in out

    code, _, err = run(capsys, any_db, "dunning-run", "--out", str(tmp_path / "brev"))
    assert code == 1 and err.count("\n") == 1 and DunningRun.select().count() == 0
    assert ("Referensräntan saknas för halvåret 2026-07-01–2026-12-31: lägg in den under Inställningar, "
            "Alternativ – Påminnelse/krav eller med kommandot tui-inkasso rates set 2026-07-01 RÄNTA") in err

    entries = AuditEntry.select().count()
    code, out, _ = run(capsys, any_db, "rates", "set", "2026-07-01", "2,00")
    assert code == 0 and out == "Referensräntan från 2026-07-01: 2,00 % (inlagd)\n"
    assert get_reference_rates()[-1] == Rate(H2_2026, 200)
    [entry] = AuditEntry.select().order_by(AuditEntry.id.desc()).limit(1)
    assert AuditEntry.select().count() == entries + 1 and entry.action == "dunning.reference_rates"
    assert "2026-07-01 2,00 %" in entry.details and entry.user == "testare"
    assert run_json(capsys, any_db, "rates", "list")["missing"] == []

    data = run_json(capsys, any_db, "dunning-run", "--out", str(tmp_path / "brev"))
    assert data["count"] > 0 and DunningRun.select().count() == 1


def test_set_corrects_accepts_a_dot_and_says_what_it_was(small_any: SmallLedger, any_db: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    before = run_json(capsys, any_db, "rates", "list")["rates"]
    changed = run_json(capsys, any_db, "rates", "set", "2026-07-01", "1.75")
    assert changed == {"valid_from": "2026-07-01", "rate": "1.75", "old_rate": "2.00", "changed": True}
    assert [r.rate_bp for r in get_reference_rates() if r.valid_from == H2_2026] == [175]
    entries = AuditEntry.select().count()
    code, out, _ = run(capsys, any_db, "rates", "set", "2026-07-01", "1,75 %")
    assert code == 0 and out.endswith("1,75 % (oförändrad)\n") and AuditEntry.select().count() == entries
    code, out, _ = run(capsys, any_db, "rates", "set", "2016-01-01", "--", "-0,50")
    assert code == 0 and "-0,50 % (inlagd)" in out
    after = run_json(capsys, any_db, "rates", "list")["rates"]
    assert after[0] == {"valid_from": "2016-01-01", "rate": "-0.50"} and len(after) == len(before) + 1


@pytest.mark.parametrize(("argv", "words"), [
    (["2026-07-02", "2,00"], "2026-07-02 är inget halvårsskifte: referensräntan gäller för ett kalenderhalvår "
                             "från 1 januari eller 1 juli (t.ex. 2026-07-01)"),
    (["2026-07-01", "2,005"], "'2,005' är ingen procentsats med högst två decimaler"),
    (["2026-07-01", "två"], "'två' är ingen procentsats"),
    (["2026-07-01", "75"], "räntan 75,00 % är orimlig"),
])
def test_a_wrong_half_year_or_rate_is_one_line_and_nothing_is_written(
        small_any: SmallLedger, any_db: str, capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    before = database_digest()
    code, out, err = run(capsys, any_db, "rates", "set", *argv)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("tui-inkasso rates: referensräntan sparades inte: ") and words in err
    assert database_digest() == before


def test_a_date_that_is_no_date_is_refused_by_the_parser(small_any: SmallLedger, any_db: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        run(capsys, any_db, "rates", "set", "2026-13-01", "2,00")
    assert stop.value.code == 2 and "inget giltigt datum (ÅÅÅÅ-MM-DD): '2026-13-01'" in capsys.readouterr().err
