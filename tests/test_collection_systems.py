"""The registry of collection systems: every entry is whole, so adding an agency is one entry plus
its layout (docs/development.md, "How to add a collection agency")."""

from __future__ import annotations

import pytest

from tui_inkasso.domain.collection_systems import (
    BY_CODE,
    CODES,
    DEFAULT,
    INHOUSE,
    SYSTEMS,
    CollectionSystemSpec,
    debt_type,
    short_label,
    system_label,
    system_spec,
)
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.formats.layout import load_layout
from tui_inkasso.services.setting_keys import CHOICE_LABELS, SETTINGS


@pytest.mark.parametrize("spec", SYSTEMS, ids=CODES)
def test_every_entry_is_whole(spec: CollectionSystemSpec) -> None:
    assert spec.code == spec.code.strip().lower() and spec.label and spec.choice_label and spec.short_label
    assert all(key in SETTINGS for key in spec.settings), "settings a run reads exist"
    assert CHOICE_LABELS[spec.code] == spec.choice_label
    if spec.is_agency:
        assert spec.writes_file and not spec.writes_excel
        assert spec.layout is not None and load_layout(spec.layout).system == spec.code
        assert spec.debt_types is not None and set(spec.debt_types) == set(SfiCategory)
        assert "collection.upload_url" in spec.settings
    else:
        assert spec.layout is None and spec.debt_types is None
    if spec.writes_file:
        assert "collection.output_dir" in spec.settings


def test_codes_and_prefixes_are_unique_and_the_default_is_one_of_them() -> None:
    assert len(set(CODES)) == len(SYSTEMS) == len(BY_CODE)
    assert len({s.case_prefix for s in SYSTEMS}) == len(SYSTEMS)
    assert DEFAULT in CODES and INHOUSE in SYSTEMS
    assert SETTINGS["collection.system"].choices == CODES


def test_lookups() -> None:
    assert system_spec(" Intrum ").code == "intrum"
    with pytest.raises(ValueError, match="okänt inkassosystem 'lindorff'; välj inhouse, intrum, svea, none"):
        system_spec("lindorff")
    assert system_label("svea") == "Svea Inkasso" and system_label("okänt") == "okänt"
    assert short_label("inhouse") == "Eget" and short_label("none") == "Excel"


def test_debt_types_stored_and_shown() -> None:
    intrum, excel = system_spec("intrum"), system_spec("none")
    assert intrum.debt_type(SfiCategory.GARAGE) == "30" and intrum.shown_debt_type("30") == "30"
    assert excel.debt_type(SfiCategory.OVRIGA) == "ovriga" and excel.shown_debt_type("ovriga") == "Övriga (lokaler)"
    assert excel.shown_debt_type("17") == "17", "a code it does not know is shown as it is"
    assert debt_type("svea", "parkering") == "PA" and debt_type("none", SfiCategory.NONE) == "Ej vald"
