"""Region tree and rollups township → county → city."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fiscalrisk.hierarchy import RegionTree, find_cycles, rollup


def _regions() -> pd.DataFrame:
    # city C with counties A and B; A has townships A1, A2; B has none
    return pd.DataFrame(
        {
            "region_code": ["C", "A", "B", "A1", "A2"],
            "name": ["湖州市", "吴兴区", "德清县", "织里镇", "八里店镇"],
            "level": ["city", "county", "county", "township", "township"],
            "parent_code": [np.nan, "C", "C", "A", "A"],
        }
    )


@pytest.fixture()
def tree() -> RegionTree:
    return RegionTree.from_frame(_regions())


@pytest.fixture()
def units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": ["c1", "a1", "a2", "t1", "t2", "t3", "b1"],
            "region_code": ["C", "A", "A", "A1", "A1", "A2", "B"],
        }
    )


def test_parent_children_and_roots(tree: RegionTree) -> None:
    assert tree.roots == ["C"]
    assert tree.parent("A1") == "A"
    assert tree.parent("C") is None
    assert tree.children("C") == ["A", "B"]
    assert tree.children("B") == []


def test_ancestors_are_listed_root_first(tree: RegionTree) -> None:
    assert tree.ancestors("A2") == ["C", "A"]
    assert tree.ancestors("C") == []
    assert tree.lineage("A2") == ["C", "A", "A2"]


def test_subtree_holds_the_region_and_all_descendants_sorted(tree: RegionTree) -> None:
    assert tree.subtree("C") == ["A", "A1", "A2", "B", "C"]
    assert tree.subtree("A") == ["A", "A1", "A2"]
    assert tree.subtree("A1") == ["A1"]


def test_level_name_and_depth(tree: RegionTree) -> None:
    assert tree.level("A1") == "township"
    assert tree.name("A") == "吴兴区"
    assert [tree.depth(c) for c in ("C", "A", "A1")] == [0, 1, 2]
    assert len(tree) == 5 and "B" in tree and "Z" not in tree


def test_unknown_region_is_a_key_error(tree: RegionTree) -> None:
    with pytest.raises(KeyError, match="Z"):
        tree.subtree("Z")


def test_empty_string_parent_marks_a_root() -> None:
    frame = _regions().assign(parent_code=["", "C", "C", "A", "A"])
    assert RegionTree.from_frame(frame).roots == ["C"]


def test_find_cycles_reports_each_cycle_once() -> None:
    frame = pd.DataFrame(
        {
            "region_code": ["R", "X", "Y", "Z", "S"],
            "parent_code": [None, "Z", "X", "Y", "S"],
        }
    )
    assert find_cycles(frame) == [["S"], ["X", "Z", "Y"]]
    assert find_cycles(_regions()) == []


def test_tree_refuses_a_cycle() -> None:
    frame = pd.DataFrame({"region_code": ["A", "B"], "name": ["a", "b"], "parent_code": ["B", "A"]})
    with pytest.raises(ValueError, match="cycle"):
        RegionTree.from_frame(frame)


def test_tree_refuses_an_unknown_parent_and_duplicate_codes() -> None:
    with pytest.raises(ValueError, match="does not exist"):
        RegionTree.from_frame(pd.DataFrame({"region_code": ["A"], "parent_code": ["Q"]}))
    with pytest.raises(ValueError, match="more than once"):
        RegionTree.from_frame(pd.DataFrame({"region_code": ["A", "A"], "parent_code": [None, None]}))


def test_rollup_sum_separates_own_units_from_the_subtree(tree: RegionTree, units: pd.DataFrame) -> None:
    values = pd.Series([1.0, 10.0, 20.0, 100.0, 200.0, 400.0, 1000.0], index=units["unit_code"])
    out = rollup(values, units, tree, how="sum")
    assert list(out.index) == ["A", "A1", "A2", "B", "C"]
    assert out.loc["C", "own"] == 1.0
    assert out.loc["C", "subtree"] == 1731.0
    assert out.loc["A", "own"] == 30.0
    assert out.loc["A", "subtree"] == 730.0
    assert out.loc["A1", "own"] == out.loc["A1", "subtree"] == 300.0


def test_rollup_of_a_region_without_units(tree: RegionTree, units: pd.DataFrame) -> None:
    values = pd.Series([5.0, 7.0], index=["t1", "t3"])
    summed = rollup(values, units, tree, how="sum")
    assert summed.loc["B", "own"] == 0.0 and summed.loc["B", "subtree"] == 0.0
    assert summed.loc["C", "own"] == 0.0 and summed.loc["C", "subtree"] == 12.0
    mean = rollup(values, units, tree, how="mean")
    assert np.isnan(mean.loc["B", "subtree"])
    assert mean.loc["A", "subtree"] == 6.0 and np.isnan(mean.loc["A", "own"])


def test_rollup_mean_max_and_count(tree: RegionTree, units: pd.DataFrame) -> None:
    values = pd.Series([1.0, 10.0, 20.0, 100.0, 200.0, 400.0, np.nan], index=units["unit_code"])
    assert rollup(values, units, tree, how="mean").loc["A", "own"] == 15.0
    assert rollup(values, units, tree, how="max").loc["C", "subtree"] == 400.0
    counts = rollup(values, units, tree, how="count")
    assert counts.loc["C", "subtree"] == 6  # the NaN of b1 is not counted
    assert counts.loc["B", "own"] == 0
    assert counts["own"].dtype == np.int64


def test_rollup_ignores_units_outside_the_tree(tree: RegionTree, units: pd.DataFrame) -> None:
    values = pd.Series([1.0, 5.0], index=["c1", "ghost"])
    assert rollup(values, units, tree).loc["C", "subtree"] == 1.0


def test_rollup_refuses_an_unknown_aggregation(tree: RegionTree, units: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="how"):
        rollup(pd.Series(dtype=float), units, tree, how="median")  # type: ignore[arg-type]


def test_rollup_scales_to_ten_thousand_units() -> None:
    rng = np.random.default_rng(0)
    townships = [f"T{i:03d}" for i in range(200)]
    counties = [f"K{i:02d}" for i in range(20)]
    regions = pd.DataFrame(
        {
            "region_code": ["CITY", *counties, *townships],
            "parent_code": [None, *["CITY"] * 20, *[counties[i % 20] for i in range(200)]],
        }
    )
    tree = RegionTree.from_frame(regions)
    units = pd.DataFrame(
        {
            "unit_code": [f"U{i:05d}" for i in range(10_000)],
            "region_code": rng.choice(regions["region_code"].to_numpy(), 10_000),
        }
    )
    values = pd.Series(rng.random(10_000), index=units["unit_code"])
    out = rollup(values, units, tree)
    assert out.loc["CITY", "subtree"] == pytest.approx(values.sum())
    assert out["own"].sum() == pytest.approx(values.sum())
