"""Province-sized synthetic samples: several Huzhou-like cities under one province root, as Parquet.

``fiscalrisk sample --size province --out DIR`` (or ``province-small``) writes a province-like tree
(浙江省 330000 → cities 33CC00 → five counties 33CCxx each → two townships 33CCxxNNN each) for scale
runs. Each city is one run of the city generator (:class:`fiscalrisk.samples.builder._Builder`, size ``full``
or ``small``) with its own seed derived from the main seed; its region codes, unit codes, names and
every id are then moved to the city's prefix, and its payments are written to the county partitions
before the next city is generated. Only one city's tables are ever in memory, plus the province's
small tables (everything but payments), which are sorted and written at the end.

Layout (fixed: readers rely on it)::

    DIR/payments/county=<county_code>/part-<NNNNN>.parquet   hive-style partitions of payments
    DIR/<table>.parquet                                      every other table of the data contract
    DIR/labels.csv                                           the planted cases (as the CSV sample)
    DIR/manifest.json, DIR/README.txt                        what this is: seed, size, cities, counts

- A unit's payments go to the partition of the county whose subtree holds the unit's region: a
  township's units to their county, a county's units to the county, a city's own units (city-level
  departments and institutions) to ``county=<city_code>``, and the province's own units (this sample
  has none) to ``county=<province_code>``. Every unit is in exactly one partition.
- The partition key is not a column inside the files. Every part file has the same schema (the
  payments columns of the contract, in contract order); rows are sorted by ``pay_date, payment_id``.
  Part numbers count from ``part-00000`` within a partition (every city writes each of its partitions
  once, so today each partition holds one part; a reader globs ``part-*.parquet``).
- Types (Arrow/Parquet): codes and text ``string``, ints ``int64`` (nullable), money and numbers
  ``double``, dates and timestamps ``timestamp[ms]`` (no time zone; dates at midnight), bools ``bool``.
  The pandas metadata is kept, so pandas reads ``Int64``, ``boolean`` and ``str`` back as the
  in-memory sample has them (dates as ``datetime64[ms]``: Parquet has no second resolution).
- Ids are unique across the province: region-code-bearing ids (region and unit codes, project codes,
  asset ids, seal and user ids) carry their city's digits in place of Huzhou's ``3305``; sequence ids
  get the city's four digits after their letters (``ZF00000001`` → ``ZF330600000001``, likewise
  ``HT…`` contracts, ``CG…`` procurements, ``YZ…`` seal events). Payee accounts are unique per city
  and payee name. Labels (``labels.csv``) name these province-wide ids.

The city names are those of Zhejiang's prefecture-level cities (舟山, with four county-level divisions,
is left out) and the codes of the cities are theirs; the county and township names are real places
of each city used for flavour, but their codes follow Huzhou's pattern (districts 33CC02/03, counties
33CC21–23, townships 33CCxx101…105) and are not the official ones. Huzhou (330500) is generated with
the main seed itself: its tables are those of ``fiscalrisk sample --size full`` (or ``small``) of the
same seed, with province-wide ids. The regional params files in ``params/`` are Huzhou's: the other
cities are scanned on the defaults (their backgrounds still respect Huzhou's stricter local limits,
and a scan of ``province-small`` with its partitions concatenated found every planted case of every
city: recall 318/318).

Same seed and size → byte-identical files (same library versions): the Parquet writer options are
pinned and rows sorted. The output is staged and renamed into place like the CSV samples
(:mod:`fiscalrisk.staging`); an existing directory is replaced only if it is a previous sample.
"""

from __future__ import annotations

import gc
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fiscalrisk.data.schema import TABLES
from fiscalrisk.samples import output
from fiscalrisk.samples.output import _PARTS, is_previous_province_sample

__all__ = ["CITIES", "PROVINCE_CODE", "PROVINCE_SIZES", "city_seed", "is_previous_province_sample", "write"]

PROVINCE_CODE = "330000"
PROVINCE_NAME = "浙江省"

#: City prefix (first four digits of its code) → (name, short name, five counties in Huzhou's order
#: (吴兴区, 南浔区, 德清县, 长兴县, 安吉县), each with its two townships in Huzhou's order; a 街道
#: stands where Huzhou has a 街道, since unit names and kinds follow it).
CITIES: dict[str, tuple[str, str, tuple[tuple[str, tuple[str, str]], ...]]] = {
    "3301": ("杭州市", "杭州", (("萧山区", ("瓜沥镇", "义桥镇")), ("余杭区", ("瓶窑镇", "径山镇")),
                            ("淳安县", ("千岛湖镇", "汾口镇")), ("桐庐县", ("桐君街道", "分水镇")),
                            ("建德市", ("新安江街道", "梅城镇")))),
    "3302": ("宁波市", "宁波", (("鄞州区", ("姜山镇", "咸祥镇")), ("奉化区", ("溪口镇", "莼湖镇")),
                            ("象山县", ("石浦镇", "西周镇")), ("宁海县", ("跃龙街道", "西店镇")),
                            ("余姚市", ("凤山街道", "泗门镇")))),
    "3303": ("温州市", "温州", (("瓯海区", ("泽雅镇", "瞿溪镇")), ("洞头区", ("大门镇", "鹿西镇")),
                            ("永嘉县", ("桥头镇", "岩头镇")), ("瑞安市", ("安阳街道", "塘下镇")),
                            ("乐清市", ("乐成街道", "柳市镇")))),
    "3304": ("嘉兴市", "嘉兴", (("南湖区", ("凤桥镇", "余新镇")), ("秀洲区", ("王江泾镇", "油车港镇")),
                            ("嘉善县", ("西塘镇", "姚庄镇")), ("海盐县", ("武原街道", "澉浦镇")),
                            ("海宁市", ("海洲街道", "盐官镇")))),
    "3305": ("湖州市", "湖州", (("吴兴区", ("织里镇", "八里店镇")), ("南浔区", ("南浔镇", "练市镇")),
                            ("德清县", ("新市镇", "乾元镇")), ("长兴县", ("雉城街道", "泗安镇")),
                            ("安吉县", ("递铺街道", "孝丰镇")))),
    "3306": ("绍兴市", "绍兴", (("越城区", ("皋埠镇", "陶堰镇")), ("柯桥区", ("平水镇", "王坛镇")),
                            ("新昌县", ("儒岙镇", "沙溪镇")), ("诸暨市", ("暨阳街道", "枫桥镇")),
                            ("嵊州市", ("剡湖街道", "甘霖镇")))),
    "3307": ("金华市", "金华", (("婺城区", ("汤溪镇", "白龙桥镇")), ("金东区", ("孝顺镇", "傅村镇")),
                            ("武义县", ("桐琴镇", "履坦镇")), ("浦江县", ("浦阳街道", "郑宅镇")),
                            ("义乌市", ("稠城街道", "佛堂镇")))),
    "3308": ("衢州市", "衢州", (("柯城区", ("石梁镇", "航埠镇")), ("衢江区", ("廿里镇", "杜泽镇")),
                            ("常山县", ("球川镇", "辉埠镇")), ("龙游县", ("龙洲街道", "湖镇镇")),
                            ("江山市", ("双塔街道", "贺村镇")))),
    "3310": ("台州市", "台州", (("黄岩区", ("院桥镇", "宁溪镇")), ("路桥区", ("金清镇", "蓬街镇")),
                            ("天台县", ("平桥镇", "白鹤镇")), ("仙居县", ("福应街道", "白塔镇")),
                            ("温岭市", ("太平街道", "泽国镇")))),
    "3311": ("丽水市", "丽水", (("莲都区", ("碧湖镇", "大港头镇")), ("龙泉市", ("八都镇", "小梅镇")),
                            ("青田县", ("温溪镇", "船寮镇")), ("缙云县", ("五云街道", "壶镇镇")),
                            ("遂昌县", ("妙高街道", "金竹镇")))),
}

#: Province sizes: the city generator's size for every city, and the cities (prefixes of CITIES).
#: ``province``: ten cities at ``full`` density, about 12 million payments (over 10 million for any
#: seed), 50 counties; ``province-small``: three cities at ``small`` density, about 140,000 payments,
#: 15 counties, for tests.
PROVINCE_SIZES: dict[str, dict[str, object]] = {
    "province": {"city_size": "full", "cities": ("3301", "3302", "3303", "3304", "3305", "3306", "3307",
                                                  "3308", "3310", "3311")},
    "province-small": {"city_size": "small", "cities": ("3305", "3306", "3307")},
}

_HUZHOU = "3305"

# Parquet writer options, pinned so that the same data gives the same bytes.
_PARQUET = {
    "compression": "zstd",
    "compression_level": 3,
    "version": "2.6",
    "data_page_version": "1.0",
    "use_dictionary": True,
    "write_statistics": True,
    "row_group_size": 262_144,
}

# Columns whose values embed a region code (Huzhou's "3305" right after their letters) and columns
# that are sequence numbers of the city (letters then digits).
_CODE_COLS = {"region_code", "parent_code", "unit_code", "project_code", "asset_id", "seal_id", "user_id", "approver_id",
              "target_id", "evaluation_id"}
_SEQ_COLS = {"payment_id", "contract_id", "procurement_id", "event_id"}
_SUBJECT_RULE = {
    "payment": "seq", "contract": "seq", "procurement": "seq", "seal_event": "seq",
    "region": "code", "unit": "code", "project": "code", "asset": "code", "budget_line": "line",
    "target": "code",
}
_CODE_RE = r"^([A-Z]*)3305"
_SEQ_RE = r"^([A-Z]+)"
_NOTE_CODE_RE = re.compile(r"(?<!\d)3305(?=\d{2}(?:\d{3})?(?:-\d{3})?(?!\d))")


def _by_uniques(s: pd.Series, fn) -> pd.Series:
    """``fn`` (a vectorised map of a Series) applied to the distinct values of ``s`` only."""
    codes, uniques = pd.factorize(s)
    if (codes < 0).any():
        raise ValueError("city generator: missing values in a code or text column")
    new = fn(pd.Series(uniques, dtype=s.dtype)).to_numpy()
    return pd.Series(new[codes] if len(new) else new, index=s.index, dtype=s.dtype)


def _re_replace(s: pd.Series, pattern: str, digits: str) -> pd.Series:
    """``pattern``'s first group kept and followed by ``digits`` (Arrow's RE2, vectorised)."""
    arr = pc.replace_substring_regex(pa.array(s.to_numpy(dtype=object), pa.string()), pattern=pattern,
                                     replacement=r"\1" + digits, max_replacements=1)
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=s.index, dtype=s.dtype)


def city_seed(seed: int, city: str) -> int:
    """The seed of a city: the main seed for Huzhou, else one drawn from ``SeedSequence([seed, city])``."""
    if city == _HUZHOU:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), int(city)]).generate_state(1, dtype=np.uint64)[0])


def _schema(name: str) -> pa.Schema:
    arrow = {
        "code": pa.string(), "text": pa.string(), "enum": pa.string(), "int": pa.int64(), "money": pa.float64(),
        "number": pa.float64(), "date": pa.timestamp("ms"), "timestamp": pa.timestamp("ms"), "bool": pa.bool_(),
    }
    return pa.schema([pa.field(c.name, arrow[c.type]) for c in TABLES[name].columns])


def _write_parquet(df: pd.DataFrame, path: Path, name: str) -> None:
    table = pa.Table.from_pandas(df.reset_index(drop=True), schema=_schema(name), preserve_index=False)
    pq.write_table(table, path, **_PARQUET)


# ------------------------------------------------------------------------------------------ relocation
class _City:
    """How one city's tables are moved from Huzhou's codes and names to the city's."""

    def __init__(self, prefix: str, huzhou_regions: pd.DataFrame) -> None:
        name, short, counties = CITIES[prefix]
        self.prefix = prefix
        self.identity = prefix == _HUZHOU
        old_counties = huzhou_regions[huzhou_regions.level == "county"]
        names: dict[str, str] = {"湖州市": name, "湖州": short}
        if len(old_counties) != len(counties):
            raise ValueError(f"city {prefix}: {len(counties)} counties, the city generator makes {len(old_counties)}")
        for (code, old_county), (new_county, towns) in zip(
            old_counties[["region_code", "name"]].itertuples(index=False), counties, strict=True
        ):
            names[old_county] = new_county
            old_towns = huzhou_regions.loc[huzhou_regions.parent_code == code, "name"].tolist()
            for old, new in zip(old_towns, towns, strict=True):
                if old.endswith("街道") != new.endswith("街道"):
                    raise ValueError(f"city {prefix}: {new} stands where Huzhou has {old} (街道 and 镇 differ)")
                names[old] = new
        self.names = names
        self._names_re = re.compile("|".join(re.escape(k) for k in sorted(names, key=len, reverse=True)))

    def text(self, s: pd.Series) -> pd.Series:
        """Huzhou's place names in free text replaced by the city's (湖州 → 绍兴, 德清县 → 新昌县, …)."""
        if self.identity or s.empty:
            return s
        return _by_uniques(s, lambda u: u.map(lambda t: self._names_re.sub(lambda m: self.names[m.group(0)], t)))

    def code(self, s: pd.Series) -> pd.Series:
        """Ids that start (after their letters) with Huzhou's 3305: the city's four digits instead."""
        s = s.astype("str")
        ok = (s == "") | s.str.match(_CODE_RE)
        if not ok.all():
            raise ValueError(f"city generator: ids without Huzhou's prefix, e.g. {s[~ok].iloc[0]!r}")
        if self.identity:
            return s
        return _by_uniques(s, lambda u: _re_replace(u, _CODE_RE, self.prefix))

    def seq(self, s: pd.Series) -> pd.Series:
        """Sequence ids (letters then digits): the city's four digits after the letters."""
        s = s.astype("str")
        ok = (s == "") | s.str.match(r"^[A-Z]+\d+$")
        if not ok.all():
            raise ValueError(f"city generator: unexpected sequence id {s[~ok].iloc[0]!r}")
        return _re_replace(s, _SEQ_RE, self.prefix)

    def line(self, s: pd.Series) -> pd.Series:
        """Budget-line ids ``year|unit|function|economic|project``: unit and project moved."""
        parts = s.str.split("|", expand=True, regex=False)
        parts[1] = self.code(parts[1])
        parts[4] = self.code(parts[4])
        return parts[0].str.cat([parts[i] for i in range(1, 5)], sep="|")

    def note(self, s: pd.Series) -> pd.Series:
        if self.identity:
            return s
        return self.text(s).map(lambda t: _NOTE_CODE_RE.sub(self.prefix, t))

    def table(self, name: str, df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        if name == "labels":
            rule = df.subject_type.map(_SUBJECT_RULE)
            if rule.isna().any():
                raise ValueError(f"labels: unknown subject_type {df.subject_type[rule.isna()].iloc[0]!r}")
            ids = df.subject_id.astype("str")
            for r, fn in (("seq", self.seq), ("code", self.code), ("line", self.line)):
                m = (rule == r).to_numpy()
                if m.any():
                    ids.loc[m] = fn(ids[m]).to_numpy()
            df["subject_id"] = ids
            df["note"] = self.note(df.note)
            return df
        for col in TABLES[name].columns:
            if col.name in _CODE_COLS:
                df[col.name] = self.code(df[col.name])
            elif col.name in _SEQ_COLS:
                df[col.name] = self.seq(df[col.name])
            elif col.type == "text":
                df[col.name] = self.text(df[col.name])
        return df


def _accounts(pay: pd.DataFrame, offset: int) -> tuple[np.ndarray, int]:
    """Payee accounts unique across the province: one per payee name within a city, numbered on from
    ``offset`` (a bijection mod 10^10, so distinct numbers stay distinct); returns (accounts, new offset)."""
    codes, uniques = pd.factorize(pay.payee_name, sort=True)
    nums = ((np.arange(len(uniques), dtype=np.int64) + offset) * 7_919 + 104_729) % 10**10
    personal = np.array([f"6217{n:010d}" for n in nums], dtype=object)
    corporate = np.array([f"3301{n:010d}" for n in nums], dtype=object)
    acc = np.where((pay.payee_type == "individual").to_numpy(), personal[codes], corporate[codes])
    return acc, offset + len(uniques)


def _partition_of_units(units: pd.DataFrame, regions: pd.DataFrame) -> pd.Series:
    """unit_code → the code of its partition: the county above (or at) its region; for a unit of a
    city or the province, that region itself."""
    level = dict(zip(regions.region_code, regions.level, strict=True))
    parent = dict(zip(regions.region_code, regions.parent_code, strict=True))

    def county(code: str) -> str:
        seen = 0
        while level[code] == "township":
            code = parent[code]
            seen += 1
            if seen > 10:
                raise ValueError(f"region tree: township {code} has no county above it")
        return code

    return pd.Series([county(r) for r in units.region_code], index=units.unit_code.to_numpy())


# ------------------------------------------------------------------------------------------- the write
def _readme(manifest: dict) -> str:
    c = manifest["counts"]
    lines = [
        f"fiscalrisk synthetic province sample ({manifest['size']}, seed {manifest['seed']})",
        "",
        f"A province-like tree ({manifest['province']} {PROVINCE_NAME}) of {len(manifest['cities'])} Huzhou-like cities with "
        "planted, labelled risks, made by `fiscalrisk sample --size " + manifest["size"] + "`. Synthetic: no real data.",
        "",
        f"regions {c['regions']:,} ({manifest['tree']['city']} cities, {manifest['tree']['county']} counties, "
        f"{manifest['tree']['township']} townships), units {c['units']:,}, payments {c['payments']:,}, "
        f"labels {c['labels']:,}.",
        "",
        "Layout:",
        "  payments/county=<county_code>/part-<NNNNN>.parquet  payments, partitioned by the county holding each",
        "      unit's region (a city's own units under county=<city_code>); the key is not a column in the files;",
        "      every part has the same schema; rows sorted by pay_date, payment_id",
        "  <table>.parquet   every other table of the data contract (shared/spec/data-contract.md)",
        "  labels.csv        the planted cases: indicator, subject_type, subject_id, note",
        "  manifest.json     seed, size, cities with their seeds, row counts, payments per partition",
        "",
        "Types: codes and text string, ints int64, money double, dates and timestamps timestamp[ms].",
        "See fiscalrisk/samples/province.py for how it is made.",
        "",
        "Rows per table:",
    ]
    lines += [f"  {name:<18} {n:>12,}" for name, n in c.items()]
    return "\n".join(lines) + "\n"


def write(out_dir: str | os.PathLike[str], seed: int = 0, size: str = "province", *,
          log=None) -> dict:
    """Generate a province sample city by city and write it into ``out_dir`` (layout in the module
    docstring); return the manifest (seed, size, cities, row counts, payments per partition).

    Staged and renamed into place; an existing ``out_dir`` is replaced only if it is empty or a
    previous sample (CSV or province), otherwise :class:`FileExistsError`.
    """
    from fiscalrisk.samples import reference
    from fiscalrisk.staging import StagedOutput
    from fiscalrisk.version import __version__

    if size not in PROVINCE_SIZES:
        raise ValueError(f"size must be one of {sorted(PROVINCE_SIZES)}, got {size!r}")
    spec = PROVINCE_SIZES[size]
    city_size = str(spec["city_size"])
    cities = tuple(spec["cities"])  # type: ignore[arg-type]
    out = Path(out_dir)

    def check(out: Path) -> None:
        if out.exists():
            if not out.is_dir():
                raise FileExistsError(f"{out} exists and is not a directory")
            if any(out.iterdir()) and not output._is_previous_sample(out):
                raise FileExistsError(
                    f"{out} is not empty and does not hold a previous sample ({output.MARKER} missing "
                    "or other files present); refusing to overwrite it"
                )

    check(out)
    huzhou = reference._regions()
    staged = StagedOutput(out, kind="tmp", check=check)
    stage = staged.open()
    try:
        acc: dict[str, list[pd.DataFrame]] = {}
        partitions: dict[str, int] = {}
        offset = 0
        city_rows = []
        for prefix in cities:
            row, offset = _write_city(stage, prefix, seed, city_size, huzhou, offset, acc, partitions)
            city_rows.append(row)
            if log is not None:
                log(f"{prefix}00 {CITIES[prefix][0]}: {row['payments']:,} payments")
            gc.collect()
        counts, tree = _write_tables(stage, acc)
        counts["payments"] = sum(partitions.values())
        counts = dict(sorted(counts.items()))
        manifest = {
            "what": "fiscalrisk synthetic province sample (planted, labelled risks; no real data)",
            "generator": f"fiscalrisk {__version__} (fiscalrisk.samples.province)",
            "seed": int(seed),
            "size": size,
            "city_size": city_size,
            "province": PROVINCE_CODE,
            "tree": tree,
            "cities": city_rows,
            "counts": counts,
            "payments_partitions": dict(sorted(partitions.items())),
            "layout": "payments/county=<county_code>/part-<NNNNN>.parquet; <table>.parquet; labels.csv",
        }
        (stage / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        (stage / "README.txt").write_text(_readme(manifest), encoding="utf-8")
        staged.commit()
    except BaseException as exc:
        staged.abort(exc)
        raise
    return manifest


def _write_city(stage: Path, prefix: str, seed: int, city_size: str, huzhou: pd.DataFrame, offset: int,
                acc: dict[str, list[pd.DataFrame]], partitions: dict[str, int]) -> tuple[dict, int]:
    """Generate the city ``prefix``: write its payments into their county partitions (counted in
    ``partitions``) and add its other tables to ``acc``; return its manifest row and the next payee
    account offset."""
    from fiscalrisk.samples.builder import _Builder
    from fiscalrisk.staging import check_code

    cseed = city_seed(seed, prefix)
    tables = _Builder(cseed, city_size).run()
    city = _City(prefix, huzhou)
    pay = city.table("payments", tables.pop("payments"))
    pay["payee_account"], offset = _accounts(pay, offset)
    moved = {name: city.table(name, df) for name, df in tables.items()}
    regions = moved["regions"]
    regions.loc[regions.parent_code == "", "parent_code"] = PROVINCE_CODE
    regions["name"] = regions.region_code.map(_region_names(prefix, huzhou))
    if regions.name.isna().any():
        raise ValueError(f"city {prefix}: regions without a name")
    part_of = _partition_of_units(moved["units"], regions)
    where = pay.unit_code.map(part_of)
    if where.isna().any():
        raise ValueError(f"payments of unknown units, e.g. {pay.unit_code[where.isna()].iloc[0]}")
    for code, idx in sorted(where.groupby(where.to_numpy(), sort=True).indices.items()):
        rows = pay.iloc[idx].sort_values(["pay_date", "payment_id"], kind="stable")
        folder = stage / _PARTS / f"county={check_code(code, 'partition')}"
        folder.mkdir(parents=True, exist_ok=True)
        n = sum(1 for _ in folder.glob("part-*.parquet"))
        _write_parquet(rows, folder / f"part-{n:05d}.parquet", "payments")
        partitions[code] = partitions.get(code, 0) + len(rows)
    for name, df in moved.items():
        acc.setdefault(name, []).append(df)
    return {"city": prefix + "00", "name": CITIES[prefix][0], "seed": cseed, "payments": len(pay)}, offset


def _write_tables(stage: Path, acc: dict[str, list[pd.DataFrame]]) -> tuple[dict[str, int], dict[str, int]]:
    """Write the cities' other tables together (the province's root region first), each sorted by its
    key; return the row counts and the regions per level."""
    root = pd.DataFrame(
        {"region_code": [PROVINCE_CODE], "name": [PROVINCE_NAME], "level": ["province"], "parent_code": [""]}
    )
    acc["regions"].insert(0, root.astype(acc["regions"][0].dtypes.to_dict()))
    counts: dict[str, int] = {}
    for name in sorted(acc):
        df = pd.concat(acc[name], ignore_index=True)
        keys = output._SORT_KEYS.get(name) or (TABLES[name].key if name in TABLES else ())
        df = df.sort_values(list(keys), kind="stable").reset_index(drop=True)
        if name in TABLES:
            key = list(TABLES[name].key)
            if df.duplicated(key).any():
                raise ValueError(f"{name}: duplicate keys across cities")
            _write_parquet(df, stage / f"{name}.parquet", name)
        else:
            if df.duplicated(["indicator", "subject_type", "subject_id"]).any():
                raise ValueError(f"{name}: duplicate labels across cities")
            text = output._format(name, df)
            text.to_csv(stage / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
        counts[name] = len(df)
        if name == "regions":
            tree = {lvl: int((df.level == lvl).sum()) for lvl in ("province", "city", "county", "township")}
    return counts, tree


def _region_names(prefix: str, huzhou: pd.DataFrame) -> dict[str, str]:
    """Region code of the city → its name (the city's names in Huzhou's slots)."""
    name, _short, counties = CITIES[prefix]
    out = {f"{prefix}00": name}
    old_counties = huzhou.loc[huzhou.level == "county", "region_code"].tolist()
    for old, (county, towns) in zip(old_counties, counties, strict=True):
        out[prefix + old[4:]] = county
        old_towns = huzhou.loc[huzhou.parent_code == old, "region_code"].tolist()
        for t_old, town in zip(old_towns, towns, strict=True):
            out[prefix + t_old[4:]] = town
    return out
