"""The default chart of accounts (小企业会计准则 2013) with the sub-accounts of the spec.

(code, name, kind, direction, auxiliary); the parent of "2202.01" is "2202".
"""

from django.utils.translation import pgettext_lazy

A, L, E, C, INC, X = "asset", "liability", "equity", "cost", "income", "expense"
D, CR = "debit", "credit"

DEFAULT_CHART: list[tuple[str, str, str, str, str]] = [
    ("1001", "库存现金", A, D, "none"),
    ("1002", "银行存款", A, D, "none"),
    ("1012", "其他货币资金", A, D, "none"),
    ("1101", "短期投资", A, D, "none"),
    ("1121", "应收票据", A, D, "customer"),
    ("1122", "应收账款", A, D, "customer"),
    ("1123", "预付账款", A, D, "supplier"),
    ("1221", "其他应收款", A, D, "none"),
    ("1401", "材料采购", A, D, "none"),
    ("1403", "原材料", A, D, "none"),
    ("1404", "材料成本差异", A, D, "none"),
    ("1405", "库存商品", A, D, "none"),
    ("1408", "委托加工物资", A, D, "supplier"),
    ("1411", "周转材料", A, D, "none"),
    ("1601", "固定资产", A, D, "none"),
    ("1602", "累计折旧", A, CR, "none"),
    ("1701", "无形资产", A, D, "none"),
    ("1901", "待处理财产损溢", A, D, "none"),
    ("2001", "短期借款", L, CR, "none"),
    ("2201", "应付票据", L, CR, "supplier"),
    ("2202", "应付账款", L, CR, "none"),
    ("2202.01", "应付账款-货款", L, CR, "supplier"),
    ("2202.02", "应付账款-暂估", L, CR, "supplier"),
    ("2203", "预收账款", L, CR, "customer"),
    ("2211", "应付职工薪酬", L, CR, "none"),
    ("2221", "应交税费", L, CR, "none"),
    ("2221.01", "应交增值税", L, CR, "none"),
    ("2221.01.01", "进项税额", L, CR, "none"),
    ("2221.01.02", "销项税额", L, CR, "none"),
    ("2241", "其他应付款", L, CR, "none"),
    ("2501", "长期借款", L, CR, "none"),
    ("3001", "实收资本", E, CR, "none"),
    ("3002", "资本公积", E, CR, "none"),
    ("3101", "盈余公积", E, CR, "none"),
    ("3103", "本年利润", E, CR, "none"),
    ("3104", "利润分配", E, CR, "none"),
    ("4001", "生产成本", C, D, "none"),
    ("4001.01", "直接材料", C, D, "none"),
    ("4001.02", "直接人工", C, D, "none"),
    ("4001.03", "制造费用", C, D, "none"),
    ("4001.04", "委外加工费", C, D, "none"),
    ("4101", "制造费用", C, D, "department"),
    ("5001", "主营业务收入", INC, CR, "none"),
    ("5051", "其他业务收入", INC, CR, "none"),
    ("5111", "投资收益", INC, CR, "none"),
    ("5301", "营业外收入", INC, CR, "none"),
    ("5401", "主营业务成本", X, D, "none"),
    ("5402", "其他业务成本", X, D, "none"),
    ("5403", "税金及附加", X, D, "none"),
    ("5601", "销售费用", X, D, "department"),
    ("5602", "管理费用", X, D, "department"),
    ("5603", "财务费用", X, D, "none"),
    ("5711", "营业外支出", X, D, "none"),
    ("5801", "所得税费用", X, D, "none"),
]


def parent_code(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


# Report line labels: statutory Chinese names in zh-hans (the catalog), English otherwise.

# 资产负债表 (小企业会计准则 会小企01, abridged): (line label, [account codes], sign)
BALANCE_SHEET_ASSETS = [
    (pgettext_lazy("balance sheet", "Cash and cash equivalents"), ["1001", "1002", "1012"]),
    (pgettext_lazy("balance sheet", "Short-term investments"), ["1101"]),
    (pgettext_lazy("balance sheet", "Notes receivable"), ["1121"]),
    (pgettext_lazy("balance sheet", "Accounts receivable"), ["1122"]),
    (pgettext_lazy("balance sheet", "Prepayments"), ["1123"]),
    (pgettext_lazy("balance sheet", "Other receivables"), ["1221"]),
    (pgettext_lazy("balance sheet", "Inventories"), ["1401", "1403", "1404", "1405", "1408", "1411", "4001", "4101"]),
    (pgettext_lazy("balance sheet", "Fixed assets, carrying amount"), ["1601", "1602"]),
    (pgettext_lazy("balance sheet", "Intangible assets"), ["1701"]),
    (pgettext_lazy("balance sheet", "Assets pending disposal"), ["1901"]),
]
BALANCE_SHEET_LIABILITIES = [
    (pgettext_lazy("balance sheet", "Short-term borrowings"), ["2001"]),
    (pgettext_lazy("balance sheet", "Notes payable"), ["2201"]),
    (pgettext_lazy("balance sheet", "Accounts payable"), ["2202"]),
    (pgettext_lazy("balance sheet", "Advances from customers"), ["2203"]),
    (pgettext_lazy("balance sheet", "Payroll payable"), ["2211"]),
    (pgettext_lazy("balance sheet", "Taxes payable"), ["2221"]),
    (pgettext_lazy("balance sheet", "Other payables"), ["2241"]),
    (pgettext_lazy("balance sheet", "Long-term borrowings"), ["2501"]),
]
BALANCE_SHEET_EQUITY = [
    (pgettext_lazy("balance sheet", "Paid-in capital (or share capital)"), ["3001"]),
    (pgettext_lazy("balance sheet", "Capital reserve"), ["3002"]),
    (pgettext_lazy("balance sheet", "Surplus reserve"), ["3101"]),
    (pgettext_lazy("balance sheet", "Retained earnings"), ["3103", "3104"]),
]
# 利润表 (会小企02, abridged): (label, income codes, expense codes)
INCOME_STATEMENT = [
    (pgettext_lazy("income statement", "I. Operating revenue"), ["5001", "5051"], []),
    (pgettext_lazy("income statement", "Less: cost of sales"), [], ["5401", "5402"]),
    (pgettext_lazy("income statement", "Taxes and surcharges"), [], ["5403"]),
    (pgettext_lazy("income statement", "Selling expenses"), [], ["5601"]),
    (pgettext_lazy("income statement", "Administrative expenses"), [], ["5602"]),
    (pgettext_lazy("income statement", "Financial expenses"), [], ["5603"]),
    (pgettext_lazy("income statement", "Add: investment income"), ["5111"], []),
    (pgettext_lazy("income statement", "Add: non-operating income"), ["5301"], []),
    (pgettext_lazy("income statement", "Less: non-operating expenses"), [], ["5711"]),
    (pgettext_lazy("income statement", "Less: income tax expense"), [], ["5801"]),
]
