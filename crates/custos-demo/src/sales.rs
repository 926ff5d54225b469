//! A year of the demo company's sales as a timeline: customers arriving, leads coming in and
//! being worked, deals moving through the default pipeline to won or lost, the calls,
//! meetings, e-mails, notes and tasks around them, and monthly quotas. It only plans raw
//! inputs in time order; it never validates them, never assigns ids and never reads the clock
//! (`now` is a parameter), so the loader can replay it through the ordinary use cases.

use crate::pools::{CN_GIVEN, CN_SURNAMES};
use crate::{DemoCompany, pick, weighted};
use custos_domain::Role;
use rand::Rng;
use time::{Duration, OffsetDateTime};

/// Stages of the default pipeline, in order, as the loader finds them (index 0 = first).
pub const STAGES: usize = 5;

/// One planned step, to be replayed with the clock set to `at`.
#[derive(Debug, Clone)]
pub struct Step {
    pub at: OffsetDateTime,
    pub action: Action,
}

/// What happens at a step. Customer and user indexes refer to `DemoCompany::customers` and
/// `users`; leads and deals are referred to by the `key` they were planned with (the loader
/// maps keys to the ids it gets back), and always after the step that creates them.
#[derive(Debug, Clone)]
pub enum Action {
    /// The customer `DemoCompany::customers[i]` is created (with its contacts).
    Customer(usize),
    Lead(DemoLead),
    /// The lead's status becomes `contacted` or `qualified`.
    LeadStatus {
        lead: usize,
        status: &'static str,
    },
    Disqualify {
        lead: usize,
        reason: String,
    },
    /// The lead becomes a customer with a contact and the deal `deal.key`.
    Convert {
        lead: usize,
        deal: DemoDeal,
    },
    Deal(DemoDeal),
    /// The deal moves to stage `stage` (0-based) of its pipeline.
    Move {
        deal: usize,
        stage: usize,
    },
    Won {
        deal: usize,
    },
    Lost {
        deal: usize,
        reason: String,
    },
    Activity(DemoActivity),
    Quota {
        user: usize,
        period: String,
        amount: String,
        currency: &'static str,
    },
}

#[derive(Debug, Clone)]
pub struct DemoLead {
    pub key: usize,
    pub name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub source: &'static str,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub owner: usize,
}

#[derive(Debug, Clone)]
pub struct DemoDeal {
    pub key: usize,
    pub title: String,
    /// `None` for the deal of a lead conversion (its customer is the converted one).
    pub customer: Option<usize>,
    pub amount: String,
    pub currency: &'static str,
    pub expected_close: time::Date,
    pub owner: usize,
}

/// What an activity is attached to.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Customer(usize),
    Deal(usize),
    Lead(usize),
}

#[derive(Debug, Clone)]
pub struct DemoActivity {
    pub kind: &'static str,
    pub subject: String,
    pub body: Option<String>,
    pub about: Subject,
    pub owner: usize,
    /// For tasks: when it is due, and whether it was done.
    pub due: Option<OffsetDateTime>,
    pub done: bool,
}

const SOURCES: [(&str, u32); 8] = [
    ("website", 30),
    ("referral", 18),
    ("event", 14),
    ("cold_call", 10),
    ("partner", 10),
    ("advertising", 8),
    ("social", 7),
    ("other", 3),
];
const LOST_REASONS: [&str; 6] = [
    "价格高于竞争对手 Price above a competitor",
    "预算冻结 Budget frozen",
    "选择了竞争对手 Chose a competitor",
    "需求取消 Project cancelled",
    "无法联系决策人 No access to the decision maker",
    "交付周期太长 Lead time too long",
];
const PRODUCTS: [&str; 8] =
    ["年度服务合同", "设备采购", "软件许可", "系统集成", "培训服务", "维保续约", "云服务订阅", "咨询项目"];
const PRODUCTS_EN: [&str; 8] = [
    "Annual service contract",
    "Equipment purchase",
    "Software licences",
    "System integration",
    "Training",
    "Maintenance renewal",
    "Cloud subscription",
    "Consulting project",
];
const CALLS: [&str; 4] = ["电话沟通需求", "跟进报价", "确认决策流程", "Follow-up call"];
const MEETINGS: [&str; 3] = ["上门拜访", "产品演示", "Demo meeting"];
const EMAILS: [&str; 3] = ["发送方案与报价", "发送合同草稿", "Sent the proposal"];
const NOTES: [&str; 3] = ["客户关注交付时间", "采购流程需要三家比价", "Customer asked for references"];
const TASKS: [&str; 4] = ["准备报价单", "安排技术交流", "回访客户", "Send the revised quote"];
const DISQUALIFY: [&str; 3] = ["无预算 No budget", "非目标行业 Not our market", "重复线索 Duplicate"];

/// Who sells: the sales reps and the manager, with how often each wins at every stage.
struct Seller {
    user: usize,
    /// Chance of moving on from each stage (the rest are lost there).
    advance: f64,
    intl: bool,
}

fn sellers(company: &DemoCompany) -> Vec<Seller> {
    let skills = [0.86, 0.81, 0.76, 0.83, 0.79];
    company
        .users
        .iter()
        .enumerate()
        .filter(|(_, u)| matches!(u.role, Role::SalesRep | Role::SalesManager))
        .enumerate()
        .map(|(k, (i, u))| Seller {
            user: i,
            advance: skills[k % skills.len()],
            intl: u.team == Some(crate::staff::TEAM_INTL),
        })
        .collect()
}

fn at_day(start: OffsetDateTime, day: f64) -> OffsetDateTime {
    // Working hours: 09:00–18:00 China time (01:00–10:00 UTC).
    let whole = day.floor();
    let hour = 1.0 + (day - whole) * 9.0;
    start + Duration::days(whole as i64) + Duration::minutes((hour * 60.0) as i64)
}

/// A deal amount, log-uniform between 20,000 and 1,500,000 (whole hundreds).
fn amount(rng: &mut impl Rng) -> String {
    let v = (20_000f64.ln() + rng.random::<f64>() * (1_500_000f64.ln() - 20_000f64.ln())).exp();
    format!("{}.00", (v / 100.0).round() as i64 * 100)
}

struct Planner<'a, R: Rng> {
    rng: &'a mut R,
    steps: Vec<Step>,
    start: OffsetDateTime,
    now: OffsetDateTime,
    leads: usize,
    deals: usize,
}

impl<R: Rng> Planner<'_, R> {
    fn push(&mut self, at: OffsetDateTime, action: Action) {
        if at <= self.now {
            self.steps.push(Step { at, action });
        }
    }

    fn activity(&mut self, at: OffsetDateTime, about: Subject, owner: usize) {
        let (kind, subject) = match *weighted(self.rng, &[(0u8, 40), (1, 20), (2, 25), (3, 15)]) {
            0 => ("call", pick(self.rng, &CALLS)),
            1 => ("meeting", pick(self.rng, &MEETINGS)),
            2 => ("email", pick(self.rng, &EMAILS)),
            _ => ("note", pick(self.rng, &NOTES)),
        };
        let body = self.rng.random_bool(0.5).then(|| format!("{subject}：客户反馈积极，下一步见任务。"));
        let a = DemoActivity { kind, subject: subject.to_string(), body, about, owner, due: None, done: false };
        self.push(at, Action::Activity(a));
    }

    /// A deal's life from `day`: activities, stage moves, and won or lost unless still open.
    fn deal_life(&mut self, deal: usize, day: f64, seller: &Seller) {
        if at_day(self.start, day) > self.now {
            return; // not created within the year
        }
        let mut d = day;
        for stage in 0..STAGES {
            for _ in 0..self.rng.random_range(1..3) {
                let t = at_day(self.start, d + self.rng.random::<f64>() * 6.0);
                self.activity(t, Subject::Deal(deal), seller.user);
            }
            d += 3.0 + self.rng.random::<f64>() * 14.0;
            let moved = self.rng.random_bool(seller.advance);
            let at = at_day(self.start, d);
            if at > self.now {
                // Still open: a follow-up task, some overdue, some due today or soon.
                let due = self.now + Duration::hours(self.rng.random_range(-96..96));
                let t = DemoActivity {
                    kind: "task",
                    subject: pick(self.rng, &TASKS).to_string(),
                    body: None,
                    about: Subject::Deal(deal),
                    owner: seller.user,
                    due: Some(due),
                    done: false,
                };
                // Planned at `now`: after the deal itself, whenever that was created.
                self.push(self.now, Action::Activity(t));
                return;
            }
            if !moved {
                let reason = pick(self.rng, &LOST_REASONS).to_string();
                self.push(at, Action::Lost { deal, reason });
                return;
            }
            if stage + 1 < STAGES {
                self.push(at, Action::Move { deal, stage: stage + 1 });
            } else {
                self.push(at, Action::Won { deal });
            }
        }
    }

    fn new_deal(&mut self, customer: Option<usize>, day: f64, seller: &Seller) -> DemoDeal {
        let key = self.deals;
        self.deals += 1;
        let k = self.rng.random_range(0..PRODUCTS.len());
        let title =
            if seller.intl { PRODUCTS_EN[k].to_string() } else { format!("{} {}", PRODUCTS[k], PRODUCTS_EN[k]) };
        let close = at_day(self.start, day + self.rng.random_range(30.0..120.0)).date();
        let currency = if seller.intl { "USD" } else { "CNY" };
        DemoDeal { key, title, customer, amount: amount(self.rng), currency, expected_close: close, owner: seller.user }
    }
}

/// Plans a year up to `now`, sorted by time. Same RNG state and company => same plan.
pub fn plan(rng: &mut impl Rng, company: &DemoCompany, now: OffsetDateTime) -> Vec<Step> {
    let start = now - Duration::days(365);
    let sellers = sellers(company);
    let mut p = Planner { rng, steps: Vec::new(), start, now, leads: 0, deals: 0 };
    if sellers.is_empty() {
        return p.steps;
    }
    // Customers arrive over the year, a little faster towards its end.
    let n = company.customers.len().max(1) as f64;
    let mut customer_day = Vec::with_capacity(company.customers.len());
    for i in 0..company.customers.len() {
        let day = 360.0 * ((i as f64 + p.rng.random::<f64>()) / n).powf(0.8);
        customer_day.push(day);
        p.push(at_day(start, day), Action::Customer(i));
    }
    // Each owned customer gets deals through the year after it arrives.
    for (i, c) in company.customers.iter().enumerate() {
        let Some(seller) = c.owner.and_then(|o| sellers.iter().find(|s| s.user == o)) else { continue };
        let count = *weighted(p.rng, &[(0usize, 25), (1, 45), (2, 22), (3, 8)]);
        for _ in 0..count {
            let day = customer_day[i] + p.rng.random::<f64>() * (365.0 - customer_day[i]);
            let deal = p.new_deal(Some(i), day, seller);
            let id = deal.key;
            p.push(at_day(start, day), Action::Deal(deal));
            p.deal_life(id, day, seller);
        }
        if p.rng.random_bool(0.3) {
            let t = at_day(start, customer_day[i] + p.rng.random::<f64>() * 20.0);
            p.activity(t, Subject::Customer(i), seller.user);
        }
    }
    // About two leads a day; worked, qualified, converted or disqualified over weeks.
    for k in 0..700 {
        let day = (k as f64 + p.rng.random::<f64>()) * 364.0 / 700.0;
        let seller = &sellers[p.rng.random_range(0..sellers.len())];
        let surname = pick(p.rng, CN_SURNAMES).0;
        let given = pick(p.rng, CN_GIVEN).0;
        let source = *weighted::<&str>(p.rng, &SOURCES);
        let id = p.leads;
        p.leads += 1;
        let lead = DemoLead {
            key: id,
            name: format!("{surname}{given}"),
            company: p
                .rng
                .random_bool(0.8)
                .then(|| format!("{surname}氏{}有限公司", pick(p.rng, &["科技", "贸易", "制造"]))),
            title: p.rng.random_bool(0.6).then(|| pick(p.rng, &["采购经理", "总经理", "IT 主管"]).to_string()),
            source,
            email: Some(format!("lead{k}@{}.example.cn", ["mail", "corp", "biz"][k % 3])),
            mobile: Some(format!("13{}{:08}", k % 10, (k * 7919) % 100_000_000)),
            owner: seller.user,
        };
        p.push(at_day(start, day), Action::Lead(lead));
        let mut d = day + 1.0 + p.rng.random::<f64>() * 5.0;
        if !p.rng.random_bool(0.75) {
            continue;
        }
        p.push(at_day(start, d), Action::LeadStatus { lead: id, status: "contacted" });
        p.activity(at_day(start, d), Subject::Lead(id), seller.user);
        d += 3.0 + p.rng.random::<f64>() * 10.0;
        if p.rng.random_bool(0.25) {
            let reason = pick(p.rng, &DISQUALIFY).to_string();
            p.push(at_day(start, d), Action::Disqualify { lead: id, reason });
            continue;
        }
        if !p.rng.random_bool(0.55) {
            continue;
        }
        p.push(at_day(start, d), Action::LeadStatus { lead: id, status: "qualified" });
        d += 2.0 + p.rng.random::<f64>() * 10.0;
        if p.rng.random_bool(0.6) {
            let deal = p.new_deal(None, d, seller);
            let deal_id = deal.key;
            p.push(at_day(start, d), Action::Convert { lead: id, deal });
            p.deal_life(deal_id, d, seller);
        }
    }
    // Monthly quotas for every seller over the year and the next month.
    for s in &sellers {
        let base: i64 = if s.intl { 90_000 } else { 600_000 };
        let currency = if s.intl { "USD" } else { "CNY" };
        let (mut year, mut month) = (start.year(), start.month());
        for _ in 0..13 {
            let period = format!("{year}-{:02}", u8::from(month));
            if month == time::Month::December {
                year += 1;
            }
            month = month.next();
            let amount = format!("{}.00", base + p.rng.random_range(0..5) * base / 10);
            p.push(start, Action::Quota { user: s.user, period, amount, currency });
        }
    }
    let mut steps = p.steps;
    // Stable: actions planned for the same instant keep their order (a deal before its move).
    steps.sort_by_key(|s| s.at);
    steps
}
