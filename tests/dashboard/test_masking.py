"""Personal payees are masked in the manager view."""

from __future__ import annotations

from fiscalrisk.report.dashboard_data import Masker, is_personal_name, mask_account, mask_name


def test_names_keep_only_the_family_name() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("张三丰") == "张**"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("") == ""


def test_accounts_keep_first_and_last_four_digits() -> None:
    assert mask_account("6222021234561234") == "6222********1234"
    assert mask_account("6222 0212 3456 1234") == "6222********1234"
    assert mask_account("12345678") == "****5678"


def test_masker_masks_known_names_and_account_numbers_in_free_text() -> None:
    masker = Masker(("张三", "张三丰"))
    text = "向个人“张三丰”支付，另付张三 5,000.00 元至 6222021234561234"
    assert masker(text) == "向个人“张**”支付，另付张* 5,000.00 元至 6222********1234"


def test_masker_leaves_ids_and_amounts_alone() -> None:
    masker = Masker(())
    assert masker("资产 ZC3305000290133 金额 1234567890.12") == "资产 ZC3305000290133 金额 1234567890.12"


def test_collective_individual_payees_are_not_people() -> None:
    assert not is_personal_name("乾元镇人民政府职工（工资统发）")
    assert is_personal_name("于丽军")
