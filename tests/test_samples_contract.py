"""The sample's contract with the indicator registry: every registered indicator code has a plant in the
generator and at least one label in the generated ``labels.csv``; the committed sample is what the
generator writes; the background's local limits are those of the region params."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fiscalrisk import params, samples
from fiscalrisk.indicators import registry
from fiscalrisk.samples import performance, plants, reference

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data_samples" / "huzhou"

#: Codes planted outside :data:`fiscalrisk.samples.plants.PLANTS`, with the reason. The performance
#: cases are roles of :data:`fiscalrisk.samples.performance.PLANTED`, applied by ``performance_tables``
#: on its own random stream after every other table: code -> the roles that plant it.
PLANTED_ELSEWHERE: dict[str, tuple[str, ...]] = {
    "PRF01": ("no_targets",),
    "PRF02": ("qualitative_output", "no_effect"),
    "PRF03": ("out_of_step_alert", "out_of_step_warning"),
    "PRF04": ("missed_output", "unreported"),
    "PRF05": ("inflated_self",),
    "PRF06": ("no_ex_ante", "late_ex_ante"),
}

#: Codes with no planted case at all, with the reason (none today: a new code without a plant fails
#: the test until it gets one or is listed here).
WITHOUT_PLANT: dict[str, str] = {}


def _codes() -> set[str]:
    return {s.code for s in registry.specs()}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("contract") / "huzhou"
    samples.write(out, seed=0, size="small")
    return out


def test_every_registered_code_has_a_plant() -> None:
    codes = _codes()
    missing = codes - set(plants.PLANTS) - set(PLANTED_ELSEWHERE) - set(WITHOUT_PLANT)
    assert not missing, f"indicator codes without a plant in fiscalrisk.samples.plants: {sorted(missing)}"
    assert not set(plants.PLANTS) & set(PLANTED_ELSEWHERE), "a code is planted once"
    assert set(plants.PLANTS) | set(PLANTED_ELSEWHERE) <= codes, "plants of codes the registry does not know"
    roles = {role for role, _code, _year in performance.PLANTED}
    for code, planted_by in PLANTED_ELSEWHERE.items():
        assert set(planted_by) <= roles, code


def test_plant_functions_are_named_for_their_code() -> None:
    for code, plant in plants.PLANTS.items():
        assert plant.__name__ == f"plant_{code.lower()}" or (code, plant.__name__) == ("ANM05", "plant_bud01")


def test_every_plant_runs_in_a_stage() -> None:
    staged = {*plants.PLAN, *plants.PAYMENTS, *plants.DOCUMENTS, *plants.ASSETS, *plants.SEALS,
              *plants.REVENUE, *plants.BUDGET}
    # called by name while the tables are built (fiscalrisk.samples.tables)
    named = {plants.plant_ctl01, plants.plant_bud01, plants.plant_bud03, plants.plant_bud06, plants.plant_out04}
    assert set(plants.PLANTS.values()) == staged | named


def test_every_registered_code_is_labelled(written: Path) -> None:
    labels = pd.read_csv(written / "labels.csv", dtype=str)
    unlabelled = _codes() - set(WITHOUT_PLANT) - set(labels.indicator)
    assert not unlabelled, f"registered codes without a label in labels.csv: {sorted(unlabelled)}"
    for code in WITHOUT_PLANT:
        assert code not in set(labels.indicator), f"{code} is labelled: remove it from WITHOUT_PLANT"


def test_committed_sample_is_what_the_generator_writes(written: Path) -> None:
    if not (COMMITTED / "labels.csv").exists():
        pytest.skip("the committed sample data_samples/huzhou is absent")
    names = sorted(p.name for p in written.iterdir())
    assert names == sorted(p.name for p in COMMITTED.iterdir())
    changed = [n for n in names if (written / n).read_bytes() != (COMMITTED / n).read_bytes()]
    assert not changed, f"regenerate data_samples/huzhou (fiscalrisk sample --out data_samples/huzhou): {changed}"


def test_local_limits_are_read_from_the_region_params() -> None:
    dirs = Path(__file__).resolve().parents[1] / "params"  # the repository's region files
    for code, _name, _level, _parent in reference._REGIONS:
        p = params.resolve(code, params_dir=dirs)
        assert reference.local_limit(code, "PAY06", "threshold") == p.indicator("PAY06")["threshold"]
        assert reference.local_limit(code, "CON02", "min_amount") == p.indicator("CON02")["min_amount"]
    # the background's split-payment bands are drawn around the catalogue default
    assert params.resolve(params_dir=dirs).indicator("PAY06")["threshold"] == reference._SPLIT_T
    assert reference.round_from() == min(
        params.resolve(r[0], params_dir=dirs).indicator("PAY08")["min_amount"] for r in reference._REGIONS
    )
