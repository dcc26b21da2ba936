"""What the synthetic Quanzhou is made of: its agencies, the trades of its enterprises, and
the penalties and licences each agency decides — with the laws a real decision would cite,
so that a penalty's sector shows in its 违法行为类型, its 处罚依据 and its sending agency."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgencySpec:
    key: str              # short name: the agency user is ``agency-<key>``
    name: str
    penalty_doc: str      # prefix of 行政处罚决定书文号
    licence_doc: str      # prefix of 行政许可决定文书号
    penalty_file: str     # how this agency sends its penalty file: csv | csv-gbk | csv-bom | xlsx
    licence_file: str


AGENCIES = (
    AgencySpec("scjg", "泉州市市场监督管理局", "泉市监罚", "泉市监许", "csv", "csv"),
    AgencySpec("sthj", "泉州市生态环境局", "泉环罚", "泉环评", "csv-bom", "csv"),
    AgencySpec("yjgl", "泉州市应急管理局", "泉应急罚", "泉应急许", "xlsx", "csv"),
    AgencySpec("xfjy", "泉州市消防救援支队", "泉消行罚决字", "泉消许", "csv", "csv-gbk"),
    AgencySpec("wsjk", "泉州市卫生健康委员会", "泉卫医罚", "泉卫许", "csv", "csv-bom"),
    AgencySpec("swj", "国家税务总局泉州市税务局", "泉税稽罚", "泉税许", "csv-gbk", "csv"),
    AgencySpec("jtys", "泉州市交通运输局", "泉交执罚", "泉交许", "csv", "csv"),
    AgencySpec("zjj", "泉州市住房和城乡建设局", "泉建罚", "泉建许", "csv", "xlsx"),
)
SECTOR_AGENCY = {
    "food": "scjg", "drugs": "scjg", "special_equipment": "scjg", "market": "scjg",
    "environment": "sthj", "work_safety": "yjgl", "fire_safety": "xfjy", "health": "wsjk",
    "tax": "swj", "transport": "jtys", "construction": "zjj",
}

# (sector, weight, trade words in company names)
ENTERPRISE_SECTORS = (
    ("food", 18, ("食品", "餐饮管理", "茶业", "饮品", "食品贸易")),
    ("drugs", 5, ("医药", "大药房", "医药连锁")),
    ("special_equipment", 7, ("机械", "电梯工程", "起重设备", "锅炉")),
    ("work_safety", 12, ("化工", "石业", "五金制品", "化工贸易", "建材")),
    ("fire_safety", 10, ("酒店管理", "商业管理", "文化娱乐", "购物广场")),
    ("environment", 15, ("鞋业", "纺织", "印染", "陶瓷", "服装", "包装材料")),
    ("health", 8, ("医疗管理", "口腔门诊部", "健康管理", "医院管理")),
    ("transport", 12, ("物流", "运输", "汽车运输", "货运")),
    ("construction", 13, ("建筑工程", "建设", "装饰工程", "房地产开发")),
)
# local trades by division: Jinjiang shoes, Shishi garments, Dehua porcelain, Anxi tea, Nan'an stone
LOCAL_TRADES = {"350582": ("鞋业", "体育用品"), "350581": ("服装", "纺织"), "350526": ("陶瓷", "工艺品"),
                "350524": ("茶业",), "350583": ("石业", "水暖器材"), "350521": ("石雕", "石业")}

# (sector, weight, shop words) of 个体工商户
SHOP_SECTORS = (
    ("food", 45, ("小吃店", "餐馆", "食杂店", "茶叶店", "便利店", "面线糊店")),
    ("health", 20, ("理发店", "美容店", "足浴店")),
    ("transport", 15, ("货运部", "搬家服务部")),
    ("market", 20, ("五金店", "服装店", "建材店", "鞋店")),
)
SHOP_BRANDS = ("好味道", "鑫源", "佳美", "顺发", "福满楼", "老街", "阿秀", "美丽", "一品", "兴旺", "金凤",
               "聚福", "乐家", "古早味", "刺桐", "东街", "开元", "清源", "洛阳桥", "安平")
BRAND_CHARS = "鑫源恒泰盛达兴隆华丰宏嘉瑞安福顺祥利通海铭晟创德信诚远豪锦荣永金佳美晋闽宝凯裕辉伟峰建天龙"
PERSON_ROLES = (  # (role, weight): what a natural person in the feeds does
    ("equipment_operator", 15), ("doctor", 10), ("driver", 20), ("hawker", 15),
    ("unlicensed_doctor", 8), ("taxpayer", 12), ("fire", 10), ("principal", 10),
)


@dataclass(frozen=True)
class Offence:
    sector: str
    offence_type: str     # 违法行为类型
    facts: str            # 违法事实; {found} = the day the inspection found it
    basis: str            # 处罚依据
    patterns: tuple[tuple[str, int], ...]  # penalty patterns (records.PATTERNS) and weights
    fine_yuan: tuple[int, int] = (2000, 50000)
    large_yuan: tuple[int, int] = (1_000_000, 5_000_000)
    who: str = "org"      # org | person | both
    licence: str = ""     # licence named when it is withheld or revoked


OFFENCES = (
    # ---- 市场监管: food, drugs, special equipment, general market order
    Offence("food", "违反食品安全管理规定", "当事人于{found}经营超过保质期的食品，货值金额较小",
            "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
            (("fine_confiscate", 5), ("fine", 3), ("revoke", 1)), licence="食品经营许可证"),
    Offence("food", "未按规定履行食品进货查验义务", "当事人未按规定建立并遵守进货查验记录制度，{found}检查时无法提供进货凭证",
            "《中华人民共和国食品安全法》第一百二十六条第一款第（三）项",
            (("warning", 6), ("fine", 3))),
    Offence("food", "在食品中添加非食用物质", "当事人于{found}被查实在生产的食品中添加非食用物质",
            "《中华人民共和国食品安全法》第一百二十三条第一款第（一）项",
            (("revoke", 3), ("suspend", 2), ("large_fine", 1)), licence="食品生产许可证"),
    Offence("drugs", "销售劣药", "当事人于{found}销售经检验不符合药品标准的劣药",
            "《中华人民共和国药品管理法》第一百一十七条第一款",
            (("fine_confiscate", 4), ("large_fine", 1), ("revoke", 1)), fine_yuan=(100000, 500000),
            licence="药品经营许可证"),
    Offence("drugs", "未遵守药品经营质量管理规范", "当事人未按规定储存药品，{found}检查发现冷藏药品储存温度不符合要求",
            "《中华人民共和国药品管理法》第一百二十六条",
            (("warning", 3), ("fine", 4), ("suspend", 1)), fine_yuan=(100000, 500000)),
    Offence("special_equipment", "违反特种设备安全管理规定", "当事人使用未经定期检验的特种设备（电梯、压力容器），{found}检查发现",
            "《中华人民共和国特种设备安全法》第八十四条第（一）项",
            (("fine", 5), ("suspend", 1)), fine_yuan=(30000, 300000)),
    Offence("special_equipment", "使用未取得相应资格的人员从事特种设备作业", "当事人于{found}安排无证人员操作叉车",
            "《中华人民共和国特种设备安全法》第八十六条第（二）项", (("fine", 1),), fine_yuan=(10000, 30000)),
    Offence("market", "无照经营", "当事人于{found}未依法取得营业执照从事经营活动",
            "《无证无照经营查处办法》第十三条", (("warning", 2), ("fine_confiscate", 3)),
            fine_yuan=(500, 10000), who="person"),
    Offence("market", "虚假宣传", "当事人于{found}在其经营场所对商品的性能、功能作虚假的商业宣传",
            "《中华人民共和国反不正当竞争法》第二十条第一款", (("fine", 4), ("large_fine", 1)),
            fine_yuan=(100000, 800000)),
    # ---- 生态环境
    Offence("environment", "超标排放大气污染物", "当事人于{found}被监测发现废气排放口颗粒物浓度超过国家排放标准",
            "《中华人民共和国大气污染防治法》第九十九条第（二）项",
            (("fine", 5), ("large_fine", 1), ("suspend", 1)), fine_yuan=(100000, 999000)),
    Offence("environment", "未依法取得排污许可证排放污染物", "当事人于{found}在未取得排污许可证的情况下排放工业废水",
            "《排污许可管理条例》第三十三条第（一）项", (("fine", 3), ("suspend", 2), ("close", 1)),
            fine_yuan=(200000, 999000)),
    Offence("environment", "未按规定设置危险废物识别标志", "当事人危险废物贮存场所未设置识别标志，{found}检查发现",
            "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第（一）项",
            (("fine", 1),), fine_yuan=(100000, 300000)),
    Offence("environment", "违反建设项目环境影响评价制度", "当事人建设项目环境影响报告表未经批准，于{found}前擅自开工建设",
            "《中华人民共和国环境影响评价法》第三十一条第一款", (("fine", 4), ("large_fine", 1)),
            fine_yuan=(50000, 500000)),
    # ---- 应急管理 (work safety)
    Offence("work_safety", "未按规定对从业人员进行安全生产教育和培训", "当事人{found}检查时无法提供从业人员安全生产教育培训记录",
            "《中华人民共和国安全生产法》第九十七条第（三）项", (("warning", 3), ("fine", 4)),
            fine_yuan=(10000, 100000)),
    Offence("work_safety", "未建立事故隐患排查治理制度", "当事人未建立事故隐患排查治理制度，{found}检查发现多处隐患未整改",
            "《中华人民共和国安全生产法》第一百零二条", (("fine", 3), ("suspend", 1)), fine_yuan=(20000, 100000)),
    Offence("work_safety", "对生产安全事故发生负有责任", "当事人于{found}发生一起一般生产安全事故，对事故发生负有责任",
            "《中华人民共和国安全生产法》第一百一十四条第一款第（一）项", (("fine", 2), ("large_fine", 1)),
            fine_yuan=(300000, 999000)),
    Offence("work_safety", "未取得危险化学品经营许可证经营危险化学品", "当事人于{found}在未取得许可的情况下销售危险化学品",
            "《危险化学品安全管理条例》第七十七条第三款", (("fine_confiscate", 1),), fine_yuan=(100000, 200000)),
    Offence("work_safety", "主要负责人未履行安全生产管理职责", "当事人作为生产经营单位主要负责人，未履行安全生产管理职责，导致{found}发生生产安全事故",
            "《中华人民共和国安全生产法》第九十五条", (("fine", 4), ("restrict", 1)),
            fine_yuan=(20000, 200000), who="person"),
    # ---- 消防救援 (fire safety)
    Offence("fire_safety", "消防设施、器材配置不符合标准", "当事人经营场所灭火器失效、应急照明损坏，{found}检查发现",
            "《中华人民共和国消防法》第六十条第一款第（一）项", (("warning", 4), ("fine", 5)), fine_yuan=(5000, 50000)),
    Offence("fire_safety", "占用、堵塞、封闭疏散通道、安全出口", "当事人于{found}封闭经营场所安全出口、堵塞疏散通道",
            "《中华人民共和国消防法》第六十条第一款第（三）项", (("fine", 1),), fine_yuan=(5000, 50000)),
    Offence("fire_safety", "公众聚集场所未经消防安全检查擅自投入使用、营业", "当事人经营场所于{found}前未经消防安全检查擅自营业",
            "《中华人民共和国消防法》第五十八条第一款第（四）项", (("suspend", 3), ("fine", 1)),
            fine_yuan=(30000, 300000)),
    Offence("fire_safety", "违反规定使用明火作业", "当事人于{found}在具有火灾危险的场所违规进行电焊作业",
            "《中华人民共和国消防法》第六十三条第（二）项", (("warning", 3), ("fine", 2)),
            fine_yuan=(100, 500), who="person"),
    # ---- 卫生健康
    Offence("health", "医疗机构使用非卫生技术人员从事医疗卫生技术工作", "当事人于{found}被查实安排未取得执业资格人员从事诊疗活动",
            "《医疗机构管理条例》第四十七条", (("fine", 3), ("revoke", 1)), fine_yuan=(30000, 150000),
            licence="医疗机构执业许可证"),
    Offence("health", "未按规定对医疗废物进行分类收集", "当事人未按规定分类收集医疗废物，{found}检查发现",
            "《医疗废物管理条例》第四十六条第（一）项", (("warning", 3), ("fine", 2)), fine_yuan=(5000, 30000)),
    Offence("health", "公共场所从业人员未取得健康合格证明", "当事人安排未取得健康合格证明的从业人员从事直接为顾客服务的工作，{found}检查发现",
            "《公共场所卫生管理条例实施细则》第三十八条", (("warning", 3), ("fine", 2)), fine_yuan=(500, 5000)),
    Offence("health", "非医师行医", "当事人未取得医师资格，于{found}擅自从事医疗活动",
            "《中华人民共和国医师法》第五十九条", (("fine_confiscate", 3), ("large_fine", 1)),
            fine_yuan=(50000, 300000), who="person"),
    # ---- 税务
    Offence("tax", "未按规定期限办理纳税申报", "当事人未按照规定期限办理纳税申报和报送纳税资料，{found}前仍未申报",
            "《中华人民共和国税收征收管理法》第六十二条", (("fine", 1),), fine_yuan=(200, 2000), who="both"),
    Offence("tax", "偷税", "当事人于{found}前通过虚假纳税申报少缴增值税等税款",
            "《中华人民共和国税收征收管理法》第六十三条第一款", (("fine", 3), ("large_fine", 2)),
            fine_yuan=(50000, 900000)),
    Offence("tax", "虚开发票", "当事人于{found}前为他人虚开增值税普通发票",
            "《中华人民共和国发票管理办法》第三十五条", (("fine_confiscate", 3), ("large_fine", 1)),
            fine_yuan=(50000, 500000)),
    Offence("tax", "应当开具而未开具发票", "当事人于{found}发生经营业务时应当开具而未开具发票",
            "《中华人民共和国发票管理办法》第三十三条第一款第（一）项", (("fine", 1),), fine_yuan=(500, 10000)),
    # ---- 交通运输
    Offence("transport", "未取得道路运输经营许可擅自从事道路运输经营", "当事人于{found}未取得道路运输经营许可擅自从事道路普通货物运输经营",
            "《中华人民共和国道路运输条例》第六十三条", (("fine_confiscate", 3), ("fine", 2)),
            fine_yuan=(10000, 100000), who="both"),
    Offence("transport", "车货总质量超过限定标准在公路上行驶", "当事人车辆于{found}车货总质量超过限定标准在公路上行驶",
            "《公路安全保护条例》第六十四条", (("fine", 1),), fine_yuan=(500, 30000), who="both"),
    Offence("transport", "未按规定维护和检测运输车辆", "当事人未按规定维护和检测运输车辆，{found}检查发现",
            "《中华人民共和国道路运输条例》第七十条", (("fine", 3), ("withhold", 1), ("revoke", 1)),
            fine_yuan=(1000, 5000), licence="道路运输经营许可证"),
    Offence("transport", "使用卫星定位装置不能保持在线的车辆从事经营", "当事人于{found}使用卫星定位装置出现故障不能保持在线的运输车辆从事经营活动",
            "《道路运输车辆动态监督管理办法》第三十八条", (("warning", 3), ("criticism", 1), ("fine", 2)), fine_yuan=(800, 3000)),
    # ---- 住房和城乡建设
    Offence("construction", "未取得施工许可证擅自施工", "当事人建设工程于{found}前未取得施工许可证擅自施工",
            "《建筑工程施工许可管理办法》第十二条", (("fine", 1),), fine_yuan=(20000, 200000)),
    Offence("construction", "未按照工程建设强制性标准施工", "当事人于{found}在施工中偷工减料，未按照工程设计图纸和施工技术标准施工",
            "《建设工程质量管理条例》第六十四条", (("fine", 3), ("large_fine", 1), ("suspend", 1), ("revoke", 1)),
            fine_yuan=(200000, 990000), licence="建筑业企业资质证书"),
    Offence("construction", "将建设工程发包给不具有相应资质等级的施工单位", "当事人于{found}将工程发包给不具有相应资质等级的施工单位",
            "《建设工程质量管理条例》第五十四条", (("fine", 3), ("large_fine", 1)), fine_yuan=(500000, 999000)),
    Offence("construction", "施工工地扬尘污染防治措施不到位", "当事人施工工地于{found}未采取有效防尘降尘措施",
            "《中华人民共和国大气污染防治法》第一百一十五条", (("warning", 1), ("criticism", 2), ("fine", 3)), fine_yuan=(10000, 100000)),
)
PERSON_OFFENCES = {  # role -> (sector, offence type) of the natural persons' penalties
    "driver": ("transport", "车货总质量超过限定标准在公路上行驶"),
    "hawker": ("market", "无照经营"),
    "unlicensed_doctor": ("health", "非医师行医"),
    "taxpayer": ("tax", "未按规定期限办理纳税申报"),
    "fire": ("fire_safety", "违反规定使用明火作业"),
    "principal": ("work_safety", "主要负责人未履行安全生产管理职责"),
}


@dataclass(frozen=True)
class LicenceSpec:
    key: str
    sector: str
    doc_name: str         # 行政许可决定文书名称
    kind: str             # 许可类别
    certificate: str      # 许可证书名称
    number: str           # 许可编号 pattern: {div} division, {year}, {seq}, {uscc}
    content: str          # 许可内容
    years: int | None     # validity; None = long-term (有效期至 2099/12/31)


LICENCES = {s.key: s for s in (
    LicenceSpec("food_trade", "food", "食品经营许可决定书", "普通", "食品经营许可证", "JY1{div}{seq:08d}",
                "预包装食品销售（含冷藏冷冻食品），热食类食品制售", 5),
    LicenceSpec("food_production", "food", "食品生产许可决定书", "普通", "食品生产许可证", "SC1{div}{seq:08d}",
                "糕点、饮料、茶叶及相关制品生产", 5),
    LicenceSpec("drug_retail", "drugs", "药品经营许可决定书", "普通", "药品经营许可证", "闽CB595{seq:04d}",
                "处方药、甲类非处方药、乙类非处方药：中成药、化学药、生物制品", 5),
    LicenceSpec("equipment_use", "special_equipment", "特种设备使用登记决定书", "登记", "特种设备使用登记证",
                "梯11闽C{seq:05d}({year})", "曳引驱动乘客电梯使用登记", None),
    LicenceSpec("equipment_operator", "special_equipment", "特种设备安全管理和作业人员资格认定决定书", "认可",
                "特种设备安全管理和作业人员证", "T{year}{seq:07d}", "N1 叉车司机", 4),
    LicenceSpec("hazchem", "work_safety", "危险化学品经营许可决定书", "普通", "危险化学品经营许可证",
                "闽泉危化经字〔{year}〕{seq:04d}", "不带储存经营：甲醇、乙醇、丙酮、油漆等", 3),
    LicenceSpec("fireworks", "work_safety", "烟花爆竹经营（零售）许可决定书", "普通", "烟花爆竹经营（零售）许可证",
                "（闽）YH经零〔{year}〕{seq:05d}", "烟花爆竹零售（C级、D级产品）", 1),
    LicenceSpec("fire_check", "fire_safety", "公众聚集场所投入使用、营业前消防安全检查合格证", "普通",
                "公众聚集场所投入使用、营业消防安全检查合格证", "泉消安检字〔{year}〕第{seq:04d}号",
                "经营场所投入使用、营业前消防安全检查合格", None),
    LicenceSpec("discharge", "environment", "排污许可决定书", "普通", "排污许可证", "{uscc}001{seq_letter}",
                "废气、废水污染物排放（重点管理）", 5),
    LicenceSpec("eia", "environment", "建设项目环境影响报告表审批意见", "核准", "", "",
                "建设项目环境影响报告表审批", None),
    LicenceSpec("medical", "health", "医疗机构执业登记决定书", "普通", "医疗机构执业许可证",
                "PDY{seq:05d}{div}1{tail:04d}", "口腔科、预防保健科、医学检验科", 5),
    LicenceSpec("hygiene", "health", "公共场所卫生许可决定书", "普通", "公共场所卫生许可证",
                "泉卫公字〔{year}〕第{seq:05d}号", "美容美发、沐浴场所经营", 4),
    LicenceSpec("doctor", "health", "医师执业注册决定书", "认可", "医师执业证书", "1103505{seq:08d}",
                "执业类别：临床；执业范围：内科专业", None),
    LicenceSpec("invoice", "tax", "增值税专用发票（增值税税控系统）最高开票限额审批决定书", "普通", "",
                "", "增值税专用发票最高开票限额十万元", None),
    LicenceSpec("road_transport", "transport", "道路运输经营许可决定书", "普通", "道路运输经营许可证",
                "闽交运管许可泉字{div}{seq:06d}号", "道路普通货物运输", 4),
    LicenceSpec("road_worker", "transport", "道路运输从业人员从业资格认定决定书", "认可", "道路运输从业人员从业资格证",
                "3505{seq:014d}", "道路货物运输驾驶员", 6),
    LicenceSpec("construction_permit", "construction", "建筑工程施工许可决定书", "普通", "建筑工程施工许可证",
                "{div}{year}{seq:04d}0101", "新建厂房及配套用房工程施工", None),
    LicenceSpec("builder_grade", "construction", "建筑业企业资质许可决定书", "核准", "建筑业企业资质证书",
                "D335{seq:06d}", "建筑工程施工总承包三级", 5),
)}
ENTERPRISE_LICENCES = {  # sector -> licence keys (the first licence of an enterprise)
    "food": ("food_trade", "food_trade", "food_production"), "drugs": ("drug_retail",),
    "special_equipment": ("equipment_use",), "work_safety": ("hazchem", "hazchem", "fireworks"),
    "fire_safety": ("fire_check",), "environment": ("discharge", "discharge", "eia"),
    "health": ("medical",), "transport": ("road_transport",),
    "construction": ("construction_permit", "builder_grade"),
}
EXTRA_LICENCES = ("invoice", "invoice", "fire_check", "eia", "equipment_use")
SHOP_LICENCES = {"food": "food_trade", "health": "hygiene", "transport": "road_transport"}
PERSON_LICENCES = {"equipment_operator": "equipment_operator", "doctor": "doctor", "driver": "road_worker"}
