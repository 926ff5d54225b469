//! Fixed word lists the demo data is drawn from (names, places, industries, titles).
//! Plain constants only: this module never generates, validates or reads anything.

/// A Chinese city: its districts carry real 6-digit administrative division codes, so
/// resident IDs built from them are plausible.
pub struct CnCity {
    pub name: &'static str,
    /// Province prefix for addresses; empty for municipalities.
    pub province: &'static str,
    pub area_code: &'static str,
    pub districts: &'static [(&'static str, &'static str)],
}

pub const CN_CITIES: &[CnCity] = &[
    CnCity {
        name: "北京",
        province: "",
        area_code: "010",
        districts: &[("朝阳区", "110105"), ("海淀区", "110108"), ("东城区", "110101")],
    },
    CnCity {
        name: "上海",
        province: "",
        area_code: "021",
        districts: &[("徐汇区", "310104"), ("浦东新区", "310115"), ("静安区", "310106")],
    },
    CnCity {
        name: "广州",
        province: "广东省",
        area_code: "020",
        districts: &[("天河区", "440106"), ("越秀区", "440104")],
    },
    CnCity {
        name: "深圳",
        province: "广东省",
        area_code: "0755",
        districts: &[("南山区", "440305"), ("福田区", "440304")],
    },
    CnCity {
        name: "杭州",
        province: "浙江省",
        area_code: "0571",
        districts: &[("西湖区", "330106"), ("滨江区", "330108")],
    },
    CnCity {
        name: "宁波",
        province: "浙江省",
        area_code: "0574",
        districts: &[("鄞州区", "330212"), ("海曙区", "330203")],
    },
    CnCity {
        name: "南京",
        province: "江苏省",
        area_code: "025",
        districts: &[("鼓楼区", "320106"), ("玄武区", "320102")],
    },
    CnCity {
        name: "苏州",
        province: "江苏省",
        area_code: "0512",
        districts: &[("姑苏区", "320508"), ("吴中区", "320506")],
    },
    CnCity {
        name: "成都",
        province: "四川省",
        area_code: "028",
        districts: &[("武侯区", "510107"), ("锦江区", "510104")],
    },
    CnCity {
        name: "武汉",
        province: "湖北省",
        area_code: "027",
        districts: &[("武昌区", "420106"), ("江汉区", "420103")],
    },
    CnCity {
        name: "西安",
        province: "陕西省",
        area_code: "029",
        districts: &[("雁塔区", "610113"), ("碑林区", "610103")],
    },
    CnCity {
        name: "厦门",
        province: "福建省",
        area_code: "0592",
        districts: &[("思明区", "350203"), ("湖里区", "350206")],
    },
];

pub const CN_ROADS: &[&str] = &[
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "和平路",
    "新华路",
    "长江路",
    "科技路",
    "创业路",
    "滨江大道",
    "文三路",
    "东风路",
    "学院路",
    "金融街",
    "世纪大道",
    "青年路",
];

pub const CN_BUILDINGS: &[&str] = &["科技大厦", "国际中心", "商务广场", "创新园", "金融中心", "产业园"];

/// Common surnames with their pinyin.
pub const CN_SURNAMES: &[(&str, &str)] = &[
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
    ("高", "gao"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
    ("许", "xu"),
];

/// Given names (one or two characters) with their pinyin.
pub const CN_GIVEN: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("霞", "xia"),
    ("平", "ping"),
    ("浩", "hao"),
    ("婷", "ting"),
    ("鹏", "peng"),
    ("琳", "lin"),
    ("秀英", "xiuying"),
    ("桂英", "guiying"),
    ("子涵", "zihan"),
    ("思远", "siyuan"),
    ("嘉怡", "jiayi"),
    ("俊杰", "junjie"),
    ("雨桐", "yutong"),
    ("文博", "wenbo"),
    ("晓明", "xiaoming"),
    ("建国", "jianguo"),
    ("志强", "zhiqiang"),
    ("海燕", "haiyan"),
    ("欣怡", "xinyi"),
    ("宇航", "yuhang"),
];

/// Trade names (字号) of Chinese companies with a pinyin slug.
pub const CN_TRADE_NAMES: &[(&str, &str)] = &[
    ("云栖", "yunqi"),
    ("华信", "huaxin"),
    ("恒达", "hengda"),
    ("鼎盛", "dingsheng"),
    ("瑞丰", "ruifeng"),
    ("金桥", "jinqiao"),
    ("天成", "tiancheng"),
    ("启明", "qiming"),
    ("星河", "xinghe"),
    ("博远", "boyuan"),
    ("中正", "zhongzheng"),
    ("新禾", "xinhe"),
    ("长风", "changfeng"),
    ("远景", "yuanjing"),
    ("和泰", "hetai"),
    ("嘉诚", "jiacheng"),
    ("万通", "wantong"),
    ("汇智", "huizhi"),
    ("睿思", "ruisi"),
    ("青松", "qingsong"),
    ("海纳", "haina"),
    ("东方", "dongfang"),
];

/// Chinese company line of business: the word in the name, the industry field, a slug.
pub const CN_TRADES: &[(&str, &str, &str)] = &[
    ("科技", "软件与信息服务", "tech"),
    ("信息技术", "软件与信息服务", "it"),
    ("贸易", "批发零售", "trade"),
    ("物流", "交通运输与物流", "logistics"),
    ("机械制造", "制造业", "machinery"),
    ("电子", "电子元器件", "electronics"),
    ("医药", "医药健康", "pharma"),
    ("食品", "食品饮料", "food"),
    ("新材料", "化工新材料", "materials"),
    ("建筑工程", "建筑业", "construction"),
    ("教育科技", "教育培训", "edu"),
    ("文化传媒", "文化传媒", "media"),
    ("新能源", "能源", "energy"),
    ("咨询", "专业服务", "consulting"),
];

pub const CN_CONTACT_TITLES: &[&str] = &[
    "采购经理",
    "总经理",
    "财务总监",
    "技术总监",
    "IT经理",
    "行政主管",
    "销售总监",
    "董事长助理",
    "运营经理",
    "法务经理",
];

/// A Western country: name, calling code and the places addresses are built from.
pub struct Country {
    pub name: &'static str,
    pub style: AddressStyle,
    /// (city, region or state, postal code, landline area code)
    pub cities: &'static [(&'static str, &'static str, &'static str, &'static str)],
    pub streets: &'static [&'static str],
    pub company_suffixes: &'static [&'static str],
}

/// How a country writes its addresses and numbers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AddressStyle {
    Uk,
    Us,
    Germany,
    Netherlands,
    Australia,
    Singapore,
}

pub const COUNTRIES: &[Country] = &[
    Country {
        name: "United Kingdom",
        style: AddressStyle::Uk,
        cities: &[
            ("London", "", "EC2A 4NE", "20"),
            ("Manchester", "", "M1 1AE", "161"),
            ("Edinburgh", "", "EH1 1YZ", "131"),
        ],
        streets: &["High Street", "Station Road", "Victoria Road", "Church Lane", "Kings Road", "Market Street"],
        company_suffixes: &["Ltd", "plc", "LLP"],
    },
    Country {
        name: "USA",
        style: AddressStyle::Us,
        cities: &[
            ("New York", "NY", "10016", "212"),
            ("San Francisco", "CA", "94107", "415"),
            ("Chicago", "IL", "60601", "312"),
            ("Seattle", "WA", "98101", "206"),
            ("Austin", "TX", "78701", "512"),
        ],
        streets: &["Main Street", "Market Street", "Oak Avenue", "Maple Drive", "Park Avenue", "Mission Street"],
        company_suffixes: &["Inc.", "LLC", "Corp."],
    },
    Country {
        name: "Germany",
        style: AddressStyle::Germany,
        cities: &[("Berlin", "", "10115", "30"), ("Hamburg", "", "20095", "40"), ("Munich", "", "80331", "89")],
        streets: &["Hauptstrasse", "Bahnhofstrasse", "Gartenweg", "Schillerstrasse", "Lindenallee"],
        company_suffixes: &["GmbH", "AG", "GmbH & Co. KG"],
    },
    Country {
        name: "Netherlands",
        style: AddressStyle::Netherlands,
        cities: &[("Amsterdam", "", "1012 AB", "20"), ("Rotterdam", "", "3011 AD", "10")],
        streets: &["Keizersgracht", "Damrak", "Coolsingel", "Prinsengracht"],
        company_suffixes: &["B.V.", "N.V."],
    },
    Country {
        name: "Australia",
        style: AddressStyle::Australia,
        cities: &[("Sydney", "NSW", "2000", "2"), ("Melbourne", "VIC", "3000", "3")],
        streets: &["George Street", "Collins Street", "Pitt Street", "Flinders Lane"],
        company_suffixes: &["Pty Ltd"],
    },
    Country {
        name: "Singapore",
        style: AddressStyle::Singapore,
        cities: &[("Singapore", "", "018956", "")],
        streets: &["Raffles Place", "Orchard Road", "Robinson Road", "Anson Road"],
        company_suffixes: &["Pte. Ltd."],
    },
];

pub const EN_FIRST: &[&str] = &[
    "Emily",
    "James",
    "Olivia",
    "Liam",
    "Sophia",
    "Noah",
    "Charlotte",
    "Oliver",
    "Amelia",
    "Lucas",
    "Hannah",
    "Daniel",
    "Grace",
    "Thomas",
    "Chloe",
    "Samuel",
    "Mia",
    "Benjamin",
    "Laura",
    "Matthias",
    "Priya",
    "Ahmed",
    "Sofia",
    "Jonas",
];

pub const EN_LAST: &[&str] = &[
    "Carter", "Smith", "Johnson", "Williams", "Brown", "Taylor", "Anderson", "Clarke", "Walker", "Wright", "Schmidt",
    "Becker", "Jansen", "de Vries", "Murphy", "Nguyen", "Patel", "Khan", "Fischer", "Evans", "Harris", "Lee",
];

pub const EN_COMPANY_WORDS: &[&str] = &[
    "Northwind",
    "Acme",
    "Bluestone",
    "Harbor",
    "Summit",
    "Evergreen",
    "Pioneer",
    "Redwood",
    "Silverline",
    "Oakridge",
    "Brightwater",
    "Ironclad",
    "Crescent",
    "Meridian",
    "Atlas",
    "Polaris",
    "Granite",
    "Lakeside",
    "Westbrook",
    "Falcon",
    "Blue Harbor",
    "Stonebridge",
];

/// International line of business: the word in the name and the industry field.
pub const EN_TRADES: &[(&str, &str)] = &[
    ("Logistics", "Logistics"),
    ("Software", "Software"),
    ("Analytics", "Software"),
    ("Foods", "Food & Beverage"),
    ("Medical", "Healthcare"),
    ("Robotics", "Manufacturing"),
    ("Energy", "Energy"),
    ("Textiles", "Retail & Apparel"),
    ("Consulting", "Professional Services"),
    ("Systems", "IT Services"),
    ("Trading", "Wholesale"),
    ("Capital", "Financial Services"),
];

pub const EN_CONTACT_TITLES: &[&str] = &[
    "CTO",
    "CEO",
    "Head of Procurement",
    "Purchasing Manager",
    "Finance Director",
    "IT Manager",
    "Operations Lead",
    "Office Manager",
    "VP Sales",
    "Legal Counsel",
];

pub const TAGS: &[&str] =
    &["vip", "重点客户", "partner", "key-account", "展会线索", "海外", "pilot", "upsell", "government", "渠道 channel"];

pub const SOURCES: &[&str] = &[
    "展会 trade show",
    "website",
    "referral",
    "cold call",
    "LinkedIn",
    "微信 WeChat",
    "partner channel",
    "webinar",
    "inbound e-mail",
];

pub const NOTES_CN: &[&str] = &[
    "年底前需要正式报价单。",
    "客户要求发票抬头与合同一致。",
    "决策人是财务总监，下次拜访前先预约。",
    "对年度订阅方案感兴趣，预算在一季度确定。",
    "在上海展会上认识，偏好微信沟通。",
    "续约谈判中，关注售后响应时间。",
];

pub const NOTES_EN: &[&str] = &[
    "Interested in the annual plan; follow up after the Q1 budget review.",
    "Prefers contact by e-mail, not phone.",
    "Decision maker is the CFO; procurement needs three quotes.",
    "Met at the Shanghai trade show; asked for a product demo.",
    "Renewal under negotiation; sensitive about support response times.",
    "Pilot with two departments before a company-wide rollout.",
];

/// Reserved example domains (RFC 2606), so no real mailbox is ever named.
pub const PERSON_MAIL_DOMAINS: &[&str] = &["example.com", "example.org", "example.net"];

/// UnionPay BINs (Chinese debit cards) and Visa/Mastercard prefixes.
pub const CN_BINS: &[&str] = &["622202", "622848", "621700", "622588", "621226", "622700", "623668"];
pub const INTL_BINS: &[&str] = &["4111", "4532", "4716", "5105", "5425", "5500"];

pub const CN_MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157", "158",
    "159", "166", "176", "177", "178", "180", "181", "182", "185", "186", "187", "188", "189", "198", "199",
];
