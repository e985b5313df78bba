"""The one message catalogue: complete in both languages, strict about unknown keys."""

from __future__ import annotations

import pytest

from fiscalrisk.report.i18n import (
    LANGS,
    MESSAGES,
    MODULES,
    format_money,
    format_pct,
    level_label,
    missing_translations,
    module_label,
    normalize_lang,
    t,
)


def test_every_key_has_both_languages() -> None:
    assert missing_translations() == []
    for key, entry in MESSAGES.items():
        assert set(entry) == set(LANGS), key


def test_unknown_key_raises_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match="kpi.nonexistent"):
        t("kpi.nonexistent", "zh-CN")


def test_module_and_level_names_follow_the_bureau() -> None:
    expected = {"budget": "预算", "payments": "收支", "procurement": "采购", "contracts": "合同", "projects": "工程",
                "assets": "资产", "seals": "印章", "outturn": "预算可靠性 (PEFA)", "anomaly": "统计异常", "control": "内控",
                "performance": "绩效"}
    assert {m: module_label(m, "zh-CN") for m in MODULES} == expected
    assert level_label("warning", "zh-CN") == "黄色预警"
    assert level_label("alert", "zh-CN") == "红色预警"
    assert level_label("alert", "en") == "Alert"


def test_english_labels_have_no_chinese_except_named_terms() -> None:
    # 三公 is the name of the spending category; every other English label is plain English.
    offenders = [k for k, e in MESSAGES.items()
                 if any("\u4e00" <= ch <= "\u9fff" for ch in e["en"].replace("三公", ""))]
    assert offenders == []


def test_language_tags_are_normalised() -> None:
    assert normalize_lang("zh") == "zh-CN"
    assert normalize_lang("zh_CN") == "zh-CN"
    assert normalize_lang("en-GB") == "en"
    assert normalize_lang(None) == "zh-CN"
    with pytest.raises(ValueError, match="not supported"):
        normalize_lang("fr")


def test_templates_format_with_fields_and_month_names() -> None:
    assert t("app.period.ytd", "zh-CN", year=2026, month=6) == "2026 年 1–6 月"
    assert t("app.period.ytd", "en", year=2026, month=6) == "2026, Jan–Jun"


def test_money_reads_as_a_chinese_reader_says_it() -> None:
    assert format_money(123_456_789, "zh-CN") == "1.23 亿元"
    assert format_money(1_234_567, "zh-CN") == "123.5 万元"
    assert format_money(1_234_567, "en") == "CNY 1.23 m"
    assert format_money(float("nan"), "en") == "—"
    assert format_pct(0.4312) == "43.1%"


def test_values_are_shown_with_their_unit() -> None:
    from fiscalrisk.indicators.registry import VALUE_UNITS
    from fiscalrisk.report.i18n import format_value

    cases = {
        ("ratio", 0.6412): ("64.1%", "64.1%"),
        ("pp", 37.25): ("37.2 个百分点", "37.2 pp"),
        ("money", 4_567_800.0): ("456.8 万元", "CNY 4.57 m"),
        ("days", 91.0): ("91 天", "91 days"),
        ("years", 2.0): ("2 年", "2 years"),
        ("count", 1.0): ("1", "1"),
        ("score", 70.0): ("70.0 分", "70.0 points"),
        ("z", 20.28): ("z = 20.3", "z = 20.3"),
        ("index", 0.05577): ("0.05577", "0.05577"),
        ("hour", 21.6667): ("21:40", "21:40"),
        ("flag", 1.0): ("是", "yes"),
    }
    assert {unit for unit, _ in cases} == set(VALUE_UNITS)
    for (unit, value), (zh, en) in cases.items():
        assert format_value(value, unit, "zh-CN") == zh, unit
        assert format_value(value, unit, "en") == en, unit
    assert format_value(float("nan"), "ratio") == "" and format_value(None, "money") == ""
