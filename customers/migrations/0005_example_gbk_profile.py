"""A second, example import profile: a counter that writes GBK files with Chinese headers,
its own codes, compact dates and thousands separators. It shows admins how a vendor's layout
is described without code; tests/customers/fixtures/gbk_day holds a day in this layout."""

from django.db import migrations

NAME = "jz-gbk-example"
ALIASES = {
    "": {
        "营业部代码": "branch_code",
        "名称": "name",
        "地区": "region",
        "员工编号": "staff_code",
        "岗位": "role",
        "团队": "team",
        "市场": "market",
        "证券代码": "sec_code",
        "证券类别": "sec_type",
        "行业": "industry",
        "收盘价": "close_price",
        "客户号": "cust_no",
        "客户类别": "cust_type",
        "证件类型": "id_type",
        "证件号码": "id_no",
        "性别": "gender",
        "出生日期": "birth_date",
        "手机": "mobile",
        "电子邮箱": "email",
        "联系地址": "address",
        "职业": "occupation",
        "客户经理": "manager_code",
        "开户日期": "open_date",
        "风险等级": "risk_level",
        "测评日期": "risk_assessed_on",
        "投资者类别": "investor_class",
        "投资期限": "invest_horizon",
        "投资品种": "invest_varieties",
        "接受营销": "marketing_consent",
        "资金账号": "fund_account",
        "账户类别": "account_kind",
        "币种": "currency",
        "股东代码": "holder_account",
        "资金余额": "balance",
        "可用资金": "available",
        "冻结资金": "frozen",
        "数量": "quantity",
        "可用数量": "available_qty",
        "成本价": "cost_price",
        "市值": "market_value",
        "流水号": "serial_no",
        "成交日期": "trade_date",
        "业务名称": "side",
        "成交价格": "price",
        "成交金额": "amount",
        "佣金": "commission",
        "印花税": "stamp_tax",
        "过户费": "transfer_fee",
        "经手费": "handling_fee",
        "证管费": "regulatory_fee",
        "清算金额": "net_amount",
        "委托方式": "channel",
        "发生日期": "flow_date",
        "摘要": "biz_type",
        "本次余额": "balance_after",
        "融资负债": "financing_debt",
        "融券负债": "lending_debt",
        "应计利息": "accrued_interest",
        "担保资产": "collateral_value",
        "维持担保比例": "maintenance_ratio",
    },
    "staff": {"员工姓名": "name", "在职状态": "status"},
    "securities": {"证券名称": "name"},
    "customers": {"客户姓名": "name", "客户状态": "status"},
    "capital_accounts": {"账户状态": "status"},
    "cash_flows": {"发生金额": "amount"},
}
ACCOUNT_STATUS = {"正常": "0", "冻结": "1", "挂失": "2", "销户": "3", "休眠": "4"}
CODES = {
    "": {
        "side": {
            "证券买入": "B",
            "证券卖出": "S",
            "配股认购": "RS",
            "新股中签": "IPO",
            "红股入账": "DIV",
        },
        "channel": {
            "网上委托": "internet",
            "手机委托": "mobile",
            "电话委托": "phone",
            "柜台委托": "counter",
        },
        "biz_type": {
            "银证转入": "BANK_IN",
            "银证转出": "BANK_OUT",
            "红利入账": "DIVIDEND",
            "利息归本": "INTEREST",
            "费用扣收": "FEE",
            "证券清算": "TRADE",
            "其他": "OTHER",
        },
        "market": {"沪A": "SH", "深A": "SZ", "北A": "BJ"},
        "sec_type": {
            "股票": "stock",
            "基金": "fund",
            "债券": "bond",
            "回购": "repo",
            "其他": "other",
        },
        "cust_type": {"个人": "0", "机构": "1"},
        "gender": {"男": "M", "女": "F"},
        "account_kind": {"普通": "normal", "信用": "credit"},
        "currency": {"人民币": "CNY", "美元": "USD", "港币": "HKD"},
        "marketing_consent": {"是": "Y", "否": "N"},
        "role": {
            "客户经理": "manager",
            "经纪人": "broker",
            "投资顾问": "advisor",
            "营业部负责人": "branch_head",
        },
        "investor_class": {"普通投资者": "ordinary", "专业投资者": "professional"},
        "invest_horizon": {"短期": "short", "中期": "medium", "长期": "long"},
    },
    "staff": {"status": {"在职": "active", "离职": "left"}},
    "customers": {"status": ACCOUNT_STATUS},
    "capital_accounts": {"status": ACCOUNT_STATUS},
}


def create(apps, schema_editor):
    profile_model = apps.get_model("customers", "ImportProfile")
    alias_model = apps.get_model("customers", "ColumnAlias")
    code_model = apps.get_model("customers", "CodeMapping")
    profile, created = profile_model.objects.get_or_create(
        name=NAME,
        defaults={
            "description": "示例：GBK 编码、中文表头、柜台自有代码、YYYYMMDD 日期、千位分隔符",
            "encoding": "gbk",
            "date_format": "YYYYMMDD",
            "thousands_separator": ",",
        },
    )
    if not created:
        return
    alias_model.objects.bulk_create(
        alias_model(profile=profile, file=file, header=header, column=column)
        for file, headers in ALIASES.items()
        for header, column in headers.items()
    )
    code_model.objects.bulk_create(
        code_model(profile=profile, file=file, column=column, source=source, target=target)
        for file, columns in CODES.items()
        for column, mapping in columns.items()
        for source, target in mapping.items()
    )


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_canonical_profile")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
