//! A realistic province of market entities, generated deterministically
//! from a seed: Hubei's real division codes weighted by population, real
//! GB/T 4754-2017 classes in realistic proportions, plausible Chinese names,
//! legal representatives, addresses, capital, dates and statuses, and a
//! valid unified social credit code whose embedded division is the
//! entity's county.
//!
//! Entity `i` depends only on (seed, i), so generation streams in constant
//! memory, and a rerun with the same seed reproduces the same rows (which
//! the batch upsert then leaves unchanged).

use chrono::NaiveDate;
use jianguan_rules::{DivisionCode, IndustryCode, Uscc};

use super::model::{EntityInput, EntityStatus, EntityType};
use super::refdata::{DIVISIONS, INDUSTRIES};

/// SplitMix64: tiny, fast and fully specified; enough for demo data (the
/// random draws of inspections use ChaCha20, not this).
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0), by multiply-shift.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Index chosen by weight from cumulative weights.
    pub fn weighted(&mut self, cumulative: &[f64]) -> usize {
        let total = cumulative.last().copied().unwrap_or(1.0);
        let x = self.unit() * total;
        cumulative
            .partition_point(|c| *c <= x)
            .min(cumulative.len().saturating_sub(1))
    }
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut acc = 0.0;
    weights
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

/// Hubei's prefecture-level units: (code, population in 10,000s, centre lat, lon).
/// Populations from the 2020 census, rounded; Wuhan's weight is raised
/// because market entities concentrate in the capital.
const CITIES: &[(&str, f64, f64, f64)] = &[
    ("420100", 1232.0 * 1.6, 30.593, 114.305),
    ("420200", 247.0, 30.200, 115.039),
    ("420300", 321.0, 32.629, 110.798),
    ("420500", 401.0, 30.692, 111.286),
    ("420600", 526.0, 32.009, 112.122),
    ("420700", 107.0, 30.391, 114.895),
    ("420800", 259.0, 31.035, 112.199),
    ("420900", 427.0, 30.924, 113.917),
    ("421000", 523.0, 30.335, 112.240),
    ("421100", 588.0, 30.453, 114.872),
    ("421200", 265.0, 29.841, 114.322),
    ("421300", 205.0, 31.690, 113.383),
    ("422800", 346.0, 30.272, 109.488),
    ("429004", 113.0, 30.362, 113.454),
    ("429005", 89.0, 30.402, 112.900),
    ("429006", 116.0, 30.663, 113.166),
    ("429021", 7.0, 31.745, 110.676),
];

/// (type, share of market entities). Individual businesses are about two
/// thirds of China's market entities.
const TYPES: &[(EntityType, f64)] = &[
    (EntityType::Individual, 0.68),
    (EntityType::Company, 0.25),
    (EntityType::Branch, 0.03),
    (EntityType::OtherEnterprise, 0.012),
    (EntityType::Partnership, 0.006),
    (EntityType::Cooperative, 0.02),
    (EntityType::ForeignInvested, 0.002),
];

const STATUSES: &[(EntityStatus, f64)] = &[
    (EntityStatus::Active, 0.88),
    (EntityStatus::Cancelled, 0.08),
    (EntityStatus::Revoked, 0.03),
    (EntityStatus::Suspended, 0.006),
    (EntityStatus::MovedOut, 0.004),
];

/// (section, share, company words, shop words, scope)
type SectionProfile = (
    char,
    f64,
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
);
const SECTIONS: &[SectionProfile] = &[
    (
        'F',
        0.38,
        &["商贸", "贸易", "百货", "建材", "医药", "电器", "食品销售", "汽车销售"],
        &[
            "便利店",
            "副食店",
            "五金店",
            "服装店",
            "烟酒店",
            "水果店",
            "药店",
            "超市",
        ],
        "日用百货、食品、五金交电销售",
    ),
    (
        'H',
        0.12,
        &["餐饮管理", "酒店管理", "餐饮服务"],
        &["餐馆", "面馆", "小吃店", "热干面馆", "快餐店", "火锅店", "早餐店"],
        "餐饮服务；食品销售",
    ),
    (
        'O',
        0.09,
        &["家政服务", "汽车维修", "美容美发", "物业服务"],
        &["理发店", "洗衣店", "修理部", "美容店", "汽车修理厂", "家电维修部"],
        "居民日常生活服务；家电维修",
    ),
    (
        'L',
        0.07,
        &["商务咨询", "企业管理", "广告传媒", "人力资源"],
        &["广告部", "图文店", "中介服务部"],
        "企业管理咨询；广告设计、制作",
    ),
    (
        'C',
        0.07,
        &["机械制造", "电子科技", "食品", "纺织", "塑料制品", "汽车零部件", "光电"],
        &["加工厂", "豆制品坊", "门窗加工部"],
        "机械设备制造、加工、销售",
    ),
    (
        'M',
        0.05,
        &["工程设计", "检测技术", "技术服务", "生物科技"],
        &["技术服务部"],
        "技术服务、技术开发、技术咨询",
    ),
    (
        'I',
        0.04,
        &["信息技术", "网络科技", "软件", "数据科技"],
        &["网络工作室", "手机维修店"],
        "软件开发；信息技术咨询服务",
    ),
    (
        'E',
        0.04,
        &["建筑工程", "装饰工程", "建设工程", "市政工程"],
        &["装修队", "水电安装部"],
        "建设工程施工；住宅室内装饰装修",
    ),
    (
        'A',
        0.04,
        &["农业发展", "生态农业", "养殖"],
        &["养殖场", "种植园", "家庭农场"],
        "农作物种植；牲畜饲养",
    ),
    (
        'G',
        0.03,
        &["物流", "运输", "供应链管理"],
        &["货运部", "快递服务站"],
        "道路货物运输；仓储服务",
    ),
    (
        'R',
        0.025,
        &["文化传媒", "体育发展", "文化旅游"],
        &["健身房", "棋牌室", "书店"],
        "文化活动组织；体育健身服务",
    ),
    (
        'K',
        0.02,
        &["房地产开发", "置业", "房地产经纪"],
        &["房产中介"],
        "房地产开发经营；房地产经纪",
    ),
    ('P', 0.01, &["教育咨询", "职业培训"], &["培训部"], "教育咨询服务"),
    (
        'Q',
        0.01,
        &["医疗管理", "健康管理"],
        &["诊所", "中医馆"],
        "医疗服务；健康咨询",
    ),
    (
        'N',
        0.01,
        &["环保科技", "园林绿化"],
        &["保洁服务部"],
        "环保咨询服务；园林绿化工程施工",
    ),
    (
        'D',
        0.005,
        &["新能源", "燃气"],
        &["液化气供应站"],
        "太阳能发电技术服务；燃气经营",
    ),
    ('J', 0.005, &["投资管理", "典当"], &["典当行"], "以自有资金从事投资活动"),
    ('B', 0.002, &["矿业"], &["采石场"], "矿产资源开采"),
];

const WORDS: &[&str] = &[
    "鑫", "盛", "华", "德", "源", "恒", "泰", "祥", "瑞", "丰", "达", "通", "宏", "远", "兴", "隆", "安", "康", "顺",
    "利", "嘉", "和", "信", "诚", "福", "润", "金", "天", "海", "博", "创", "新", "晨", "阳", "光", "明", "佳", "益",
    "汇", "众", "合", "正", "锦", "绿", "美", "优", "星", "辰", "楚", "江", "汉", "荆", "鄂", "长", "云", "峰", "宇",
    "辉", "腾", "卓",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "余",
    "程", "熊",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "建", "国", "红", "文", "斌", "俊", "峰", "波", "辉", "鹏", "琳", "婷", "浩", "宇",
    "欣", "怡",
];
const ROADS: &[&str] = &[
    "解放大道",
    "中山大道",
    "建设大道",
    "沿江大道",
    "发展大道",
    "友谊大道",
    "和平大道",
    "民主路",
    "人民路",
    "胜利街",
    "建设路",
    "东风路",
    "长江路",
    "新华路",
    "青年路",
    "光明路",
    "学府路",
    "幸福路",
    "工业大道",
    "滨江路",
];

/// Everything the generator precomputes from the reference tables.
pub struct Generator {
    seed: u64,
    counties: Vec<(DivisionCode, String, String, f64, f64)>,
    county_weights: Vec<f64>,
    classes_by_section: Vec<Vec<String>>,
    section_weights: Vec<f64>,
    type_weights: Vec<f64>,
    status_weights: Vec<f64>,
}

fn short(name: &str) -> &str {
    for suffix in ["土家族苗族自治州", "自治州", "林区", "市", "区", "县"] {
        if let Some(s) = name.strip_suffix(suffix)
            && s.chars().count() >= 2
        {
            return s;
        }
    }
    name
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        let mut counties = Vec::new();
        let mut weights = Vec::new();
        for (city, pop, lat, lon) in CITIES {
            let city_name = DIVISIONS.name(city).unwrap_or("").to_string();
            let mut kids: Vec<_> = DIVISIONS.children(city).filter(|r| r.level == "county").collect();
            // Province-administered county-level cities are their own county.
            if kids.is_empty() {
                kids = DIVISIONS.get(city).into_iter().collect();
            }
            // "市辖区" summary rows are not places.
            kids.retain(|r| r.name != "市辖区");
            let share = pop / kids.len().max(1) as f64;
            for k in kids {
                if let Ok(code) = DivisionCode::parse(&k.code) {
                    counties.push((code, city_name.clone(), k.name.clone(), *lat, *lon));
                    weights.push(share);
                }
            }
        }
        let classes_by_section = SECTIONS
            .iter()
            .map(|(s, ..)| {
                INDUSTRIES
                    .rows
                    .iter()
                    .filter(|r| r.level == "class" && IndustryCode::parse(&r.code).is_ok_and(|c| c.section() == *s))
                    .map(|r| r.code.clone())
                    .collect()
            })
            .collect();
        Generator {
            seed,
            counties,
            county_weights: cumulative(weights.into_iter()),
            classes_by_section,
            section_weights: cumulative(SECTIONS.iter().map(|s| s.1)),
            type_weights: cumulative(TYPES.iter().map(|t| t.1)),
            status_weights: cumulative(STATUSES.iter().map(|t| t.1)),
        }
    }

    /// Organisation-code body for entity `i`: "MA" and six characters of
    /// the 31-character set, from a bijection of `i` so codes never repeat.
    fn org_body(&self, i: u64) -> String {
        const M: u64 = 887_503_681; // 31^6
        let charset = jianguan_rules::uscc::CHARSET.as_bytes();
        let mut x = (i.wrapping_mul(2_654_435_761) + (self.seed % M)) % M;
        let mut body = String::from("MA");
        let mut digits = [0u8; 6];
        for d in digits.iter_mut().rev() {
            *d = charset[(x % 31) as usize];
            x /= 31;
        }
        body.push_str(std::str::from_utf8(&digits).unwrap_or("000000"));
        body
    }

    /// Entity number `i` (0-based) of this seed.
    pub fn entity(&self, i: u64) -> Option<EntityInput> {
        let mut r = SplitMix::new(self.seed ^ i.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next_u64();
        let (division, city, county, lat, lon) = self.counties.get(r.weighted(&self.county_weights))?.clone();
        let entity_type = TYPES[r.weighted(&self.type_weights)].0;
        let section = if entity_type == EntityType::Cooperative {
            SECTIONS.iter().position(|s| s.0 == 'A').unwrap_or(0)
        } else {
            r.weighted(&self.section_weights)
        };
        let (_, _, company_words, shop_words, scope) = SECTIONS[section];
        let industry = r.pick(&self.classes_by_section[section]).clone();
        let word = format!("{}{}", r.pick(WORDS), r.pick(WORDS));
        let place = short(&county).to_string();
        let city_short = short(&city).to_string();
        let name = match entity_type {
            EntityType::Individual => format!("{place}{word}{}", r.pick(shop_words)),
            EntityType::Cooperative => format!(
                "{place}{word}{}专业合作社",
                ["种植", "养殖", "蔬菜", "茶叶", "水产"][r.below(5)]
            ),
            EntityType::Branch => format!("{city_short}{word}{}有限公司{place}分公司", r.pick(company_words)),
            EntityType::Partnership => format!("{city_short}{word}{}合伙企业（有限合伙）", r.pick(company_words)),
            EntityType::OtherEnterprise => format!("{city_short}{word}{}厂", r.pick(company_words)),
            EntityType::ForeignInvested => format!("{city_short}{word}{}有限公司", r.pick(company_words)),
            EntityType::Company if r.below(40) == 0 => format!("湖北{word}{}股份有限公司", r.pick(company_words)),
            EntityType::Company => format!("{city_short}{word}{}有限公司", r.pick(company_words)),
        };
        let legal_rep = format!(
            "{}{}{}",
            r.pick(SURNAMES),
            r.pick(GIVEN),
            if r.below(3) > 0 { *r.pick(GIVEN) } else { "" }
        );
        let address = format!(
            "湖北省{city}{}{}{}号",
            if county == city { "" } else { &county },
            r.pick(ROADS),
            1 + r.below(999)
        );
        let capital = match entity_type {
            EntityType::Individual => None,
            // Log-uniform from 3 万元 to 5,000 万元, rounded to 万元.
            _ => Some(
                ((3.0f64).ln() + r.unit() * ((5000.0f64).ln() - (3.0f64).ln()))
                    .exp()
                    .round() as i64
                    * 1_000_000,
            ),
        };
        // Most entities are young: registrations surged after the 2014 reform.
        let days_ago = (r.unit().powf(2.2) * 34.0 * 365.0) as i64;
        let established =
            NaiveDate::from_ymd_opt(2026, 10, 31).and_then(|d| d.checked_sub_signed(chrono::Duration::days(days_ago)));
        let status = STATUSES[r.weighted(&self.status_weights)].0;
        let prefix = match entity_type {
            EntityType::Individual => "92",
            EntityType::Cooperative => "93",
            _ => "91",
        };
        let body = self.org_body(i);
        let check = Uscc::org_check_char(&body)?;
        let uscc = Uscc::with_check_char(&format!("{prefix}{}{body}{check}", division.as_str())).ok()?;
        Some(EntityInput {
            uscc,
            name,
            former_names: Vec::new(),
            entity_type,
            legal_rep,
            registered_capital_fen: capital,
            established_on: established,
            status,
            address,
            division,
            industry: IndustryCode::parse(&industry).ok(),
            business_scope: scope.to_string(),
            authority: format!("{county}市场监督管理局"),
            latitude: Some(((lat + (r.unit() - 0.5) * 0.2) * 1e6).round() / 1e6),
            longitude: Some(((lon + (r.unit() - 0.5) * 0.2) * 1e6).round() / 1e6),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn deterministic_valid_and_unique() {
        let g = Generator::new(42);
        let a: Vec<_> = (0..2000).filter_map(|i| g.entity(i)).collect();
        assert_eq!(a.len(), 2000);
        let again = Generator::new(42);
        let b: Vec<_> = (0..2000).filter_map(|i| again.entity(i)).collect();
        assert_eq!(a, b);
        let codes: HashSet<_> = a.iter().map(|e| e.uscc.to_string()).collect();
        assert_eq!(codes.len(), 2000);
        for e in &a {
            assert!(e.uscc.org_check_ok(), "{}", e.uscc);
            assert_eq!(
                e.uscc.division(),
                Some(e.division),
                "embedded division matches the county"
            );
            assert!(e.division.as_str().starts_with("42"));
            assert!(DIVISIONS.contains(e.division.as_str()));
            assert!(e.industry.as_ref().is_some_and(|c| INDUSTRIES.contains(c.as_str())));
            assert!(e.address.starts_with("湖北省"));
        }
        let individuals = a.iter().filter(|e| e.entity_type == EntityType::Individual).count();
        assert!((1200..1520).contains(&individuals), "{individuals}");
        let wuhan = a.iter().filter(|e| e.division.as_str().starts_with("4201")).count();
        assert!((500..1100).contains(&wuhan), "{wuhan}");
        assert_ne!(Generator::new(43).entity(0), g.entity(0));
    }
}
