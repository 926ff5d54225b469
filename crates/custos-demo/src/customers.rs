//! Demo customers and their contacts: a mix of Chinese and international organisations
//! and persons, assigned to the sales staff. It only builds raw inputs; it never validates
//! them (custos-domain does), never assigns ids and never reads the clock.

use crate::numbers::{bank_card, cn_landline, cn_mobile, intl_landline, intl_mobile, resident_id};
use crate::pools::*;
use crate::staff::{TEAM_EAST, TEAM_INTL, TEAM_SOUTH};
use crate::{DemoCustomer, DemoUser, pick, weighted};
use custos_domain::{ContactInput, CustomerInput, Role};
use rand::Rng;
use rand::seq::SliceRandom;
use std::collections::BTreeSet;
use time::Date;
use time::macros::date;

/// Who may own customers: sales reps per team and the sales manager.
struct Owners {
    east: Vec<usize>,
    south: Vec<usize>,
    intl: Vec<usize>,
    manager: Option<usize>,
}

impl Owners {
    fn from(users: &[DemoUser]) -> Owners {
        let reps = |team: usize| -> Vec<usize> {
            users
                .iter()
                .enumerate()
                .filter(|(_, u)| u.role == Role::SalesRep && u.team == Some(team))
                .map(|(i, _)| i)
                .collect()
        };
        Owners {
            east: reps(TEAM_EAST),
            south: reps(TEAM_SOUTH),
            intl: reps(TEAM_INTL),
            manager: users.iter().position(|u| u.role == Role::SalesManager),
        }
    }

    /// A few unassigned leads, a few for the manager, the rest to reps by market.
    fn choose(&self, rng: &mut impl Rng, chinese: bool, lead: bool) -> Option<usize> {
        let roll = rng.random_range(0..100u32);
        if lead && roll < 4 {
            return None;
        }
        if roll < 10 {
            return self.manager;
        }
        let pool = match (chinese, rng.random_bool(0.6)) {
            (false, _) => &self.intl,
            (true, true) => &self.east,
            (true, false) => &self.south,
        };
        if pool.is_empty() { self.manager } else { Some(*pick(rng, pool)) }
    }
}

/// Everything shared while generating: the RNG, the reference date and the names and
/// addresses already used (to keep them unique).
struct Gen<'r, R: Rng> {
    rng: &'r mut R,
    today: Date,
    emails: BTreeSet<String>,
    names: BTreeSet<String>,
}

impl<R: Rng> Gen<'_, R> {
    /// `local@domain`, with a number appended to the local part if already taken.
    fn email(&mut self, local: &str, domain: &str) -> String {
        let mut candidate = format!("{local}@{domain}");
        let mut n = 2;
        while self.emails.contains(&candidate) {
            candidate = format!("{local}{n}@{domain}");
            n += 1;
        }
        self.emails.insert(candidate.clone());
        candidate
    }

    /// Draws names from `make` until an unused one comes up (a few tries, then accepts).
    fn unique_name<T>(&mut self, mut make: impl FnMut(&mut R) -> (String, T)) -> (String, T) {
        let mut drawn = make(self.rng);
        for _ in 0..12 {
            if !self.names.contains(&drawn.0) {
                break;
            }
            drawn = make(self.rng);
        }
        self.names.insert(drawn.0.clone());
        drawn
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    /// A birthday between 1950 and 2003, never after `today`; `None` only if `today` is
    /// before 1900.
    fn birthday(&mut self) -> Option<Date> {
        let floor = date!(1900 - 01 - 01).to_julian_day();
        let hi = date!(2003 - 12 - 31).min(self.today).to_julian_day();
        if hi < floor {
            return None;
        }
        let lo = date!(1950 - 01 - 01).to_julian_day().min(hi - 365 * 20).max(floor);
        Date::from_julian_day(self.rng.random_range(lo..=hi)).ok()
    }

    fn tags(&mut self) -> Option<Vec<String>> {
        let count = *weighted(self.rng, &[(0usize, 40), (1, 35), (2, 18), (3, 7)]);
        if count == 0 {
            return None;
        }
        let renewal = format!("renewal-{}", self.today.year() + 1);
        let mut pool: Vec<String> = TAGS.iter().map(|t| t.to_string()).collect();
        pool.push(renewal);
        pool.shuffle(self.rng);
        let mut tags: Vec<String> = pool.into_iter().take(count).collect();
        tags.sort();
        Some(tags)
    }

    fn common(&mut self, input: &mut CustomerInput, chinese: bool) {
        input.tier = Some(weighted(self.rng, &[("A", 15), ("B", 35), ("C", 50)]).to_string());
        input.tags = self.tags();
        if self.chance(0.85) {
            input.source = Some(pick(self.rng, SOURCES).to_string());
        }
        if self.chance(0.3) {
            let notes = if chinese { NOTES_CN } else { NOTES_EN };
            input.notes = Some(pick(self.rng, notes).to_string());
        }
    }

    fn cn_person_name(&mut self) -> (String, String, String) {
        let (s, sp) = *pick(self.rng, CN_SURNAMES);
        let (g, gp) = *pick(self.rng, CN_GIVEN);
        (format!("{s}{g}"), sp.to_string(), gp.to_string())
    }

    fn cn_address(&mut self, city: &CnCity, district: &str, office: bool) -> String {
        let road = pick(self.rng, CN_ROADS);
        let no = self.rng.random_range(1..600u32);
        let head = format!("{}{}市{district}{road}{no}号", city.province, city.name);
        if office {
            if self.chance(0.6) {
                let b = pick(self.rng, CN_BUILDINGS);
                let floor = self.rng.random_range(2..31u32);
                format!("{head}{b}{floor}层")
            } else {
                head
            }
        } else {
            let building = self.rng.random_range(1..30u32);
            let room = self.rng.random_range(1..33u32) * 100 + self.rng.random_range(1..5u32);
            format!("{head}{building}栋{room}室")
        }
    }

    fn intl_address(&mut self, country: &Country, city: (&str, &str, &str, &str), office: bool) -> String {
        let (city, region, postal, _) = city;
        let name = country.name;
        let street = pick(self.rng, country.streets);
        let no = self.rng.random_range(1..400u32);
        let suite = self.rng.random_range(100..1200u32);
        match country.style {
            AddressStyle::Uk => format!("{no} {street}, {city} {postal}, {name}"),
            AddressStyle::Us if office => {
                format!("{no} {street}, Suite {suite}, {city}, {region} {postal}, {name}")
            }
            AddressStyle::Us => format!("{no} {street}, {city}, {region} {postal}, {name}"),
            AddressStyle::Germany => format!("{street} {no}, {postal} {city}, {name}"),
            AddressStyle::Netherlands => format!("{street} {no}, {postal} {city}, {name}"),
            AddressStyle::Australia if office => {
                format!("Level {}, {no} {street}, {city} {region} {postal}, {name}", suite / 100)
            }
            AddressStyle::Australia => format!("{no} {street}, {city} {region} {postal}, {name}"),
            AddressStyle::Singapore => {
                format!("{no} {street}, #{:02}-{:02}, {city} {postal}", suite / 50, suite % 50 + 1)
            }
        }
    }

    fn country(&mut self) -> &'static Country {
        let i = *weighted(self.rng, &[(0usize, 3), (1, 4), (2, 2), (3, 1), (4, 1), (5, 1)]);
        COUNTRIES.get(i).unwrap_or(&COUNTRIES[0])
    }

    fn bank_account(&mut self, chinese: bool) -> Option<String> {
        if !self.chance(0.5) {
            return None;
        }
        Some(if chinese {
            let len = *pick(self.rng, &[16usize, 19]);
            let bin = pick(self.rng, CN_BINS);
            bank_card(self.rng, bin, len)
        } else {
            let bin = pick(self.rng, INTL_BINS);
            bank_card(self.rng, bin, 16)
        })
    }

    fn cn_org(&mut self) -> (CustomerInput, Vec<ContactInput>) {
        let (name, (city, district, slug, industry)) = self.unique_name(|rng| {
            let city = pick(rng, CN_CITIES);
            let (district, _) = *pick(rng, city.districts);
            let (trade_name, tn_slug) = *pick(rng, CN_TRADE_NAMES);
            let (word, industry, t_slug) = *pick(rng, CN_TRADES);
            let suffix = if rng.random_bool(0.15) { "股份有限公司" } else { "有限公司" };
            (
                format!("{}{trade_name}{word}{suffix}", city.name),
                (city, district, format!("{tn_slug}-{t_slug}"), industry),
            )
        });
        let domain = format!("{slug}.example");
        let local = pick(self.rng, &["info", "sales", "contact", "office", "purchasing"]);
        let mut input = CustomerInput {
            name: Some(name),
            kind: Some("organization".into()),
            industry: Some(industry.to_string()),
            email: Some(self.email(local, &domain)),
            ..CustomerInput::default()
        };
        if self.chance(0.4) {
            input.mobile = Some(cn_mobile(self.rng));
        }
        if self.chance(0.9) {
            input.phone = Some(cn_landline(self.rng, city.area_code));
        }
        input.address = Some(self.cn_address(city, district, true));
        input.bank_account = self.bank_account(true);
        self.common(&mut input, true);
        let n = *weighted(self.rng, &[(1usize, 50), (2, 35), (3, 15)]);
        let contacts = (0..n).map(|_| self.cn_contact(&domain, city.area_code)).collect();
        (input, contacts)
    }

    fn cn_contact(&mut self, domain: &str, area_code: &str) -> ContactInput {
        let (name, sp, gp) = self.cn_person_name();
        let mut c = ContactInput {
            name: Some(name),
            title: Some(pick(self.rng, CN_CONTACT_TITLES).to_string()),
            email: Some(self.email(&format!("{sp}.{gp}"), domain)),
            ..ContactInput::default()
        };
        if self.chance(0.85) {
            c.mobile = Some(cn_mobile(self.rng));
        }
        if self.chance(0.4) {
            c.phone = Some(cn_landline(self.rng, area_code));
        }
        if self.chance(0.1) {
            c.notes = Some("偏好微信沟通。".into());
        }
        c
    }

    fn cn_person(&mut self) -> (CustomerInput, Vec<ContactInput>) {
        let (name, (sp, gp)) = self.unique_name(|rng| {
            let (s, sp) = *pick(rng, CN_SURNAMES);
            let (g, gp) = *pick(rng, CN_GIVEN);
            (format!("{s}{g}"), (sp, gp))
        });
        let city = pick(self.rng, CN_CITIES);
        let (district, region) = *pick(self.rng, city.districts);
        let birthday = if self.chance(0.85) { self.birthday() } else { None };
        let local = match self.rng.random_range(0..4u32) {
            0 => format!("{sp}{gp}"),
            1 => format!("{gp}.{sp}"),
            2 => format!("{sp}{gp}{}", birthday.map_or(88, |b| b.year().rem_euclid(100))),
            _ => format!("{sp}.{gp}"),
        };
        let mut input = CustomerInput { name: Some(name), kind: Some("person".into()), ..CustomerInput::default() };
        if self.chance(0.85) {
            let domain = pick(self.rng, PERSON_MAIL_DOMAINS);
            input.email = Some(self.email(&local, domain));
        }
        if self.chance(0.95) {
            input.mobile = Some(cn_mobile(self.rng));
        }
        if self.chance(0.2) {
            input.phone = Some(cn_landline(self.rng, city.area_code));
        }
        if self.chance(0.8) {
            input.address = Some(self.cn_address(city, district, false));
        }
        if let Some(b) = birthday {
            input.birthday = Some(format!("{:04}-{:02}-{:02}", b.year(), u8::from(b.month()), b.day()));
            if self.chance(0.8) {
                // Born here, or somewhere else in the country.
                let region = if self.chance(0.6) {
                    region
                } else {
                    let elsewhere = pick(self.rng, CN_CITIES);
                    pick(self.rng, elsewhere.districts).1
                };
                input.national_id = resident_id(self.rng, region, b);
            }
        }
        input.bank_account = self.bank_account(true);
        self.common(&mut input, true);
        let contacts = if self.chance(0.25) {
            let (cname, csp, cgp) = self.cn_person_name();
            let domain = pick(self.rng, PERSON_MAIL_DOMAINS);
            vec![ContactInput {
                name: Some(cname),
                title: Some(pick(self.rng, &["助理", "家属", "财务顾问"]).to_string()),
                email: Some(self.email(&format!("{csp}.{cgp}"), domain)),
                mobile: Some(cn_mobile(self.rng)),
                ..ContactInput::default()
            }]
        } else {
            Vec::new()
        };
        (input, contacts)
    }

    fn intl_org(&mut self) -> (CustomerInput, Vec<ContactInput>) {
        let country = self.country();
        let (name, (slug, industry)) = self.unique_name(|rng| {
            let word = pick(rng, EN_COMPANY_WORDS);
            let (trade, industry) = *pick(rng, EN_TRADES);
            let suffix = pick(rng, country.company_suffixes);
            let base = if rng.random_bool(0.2) { word.to_string() } else { format!("{word} {trade}") };
            (format!("{base} {suffix}"), (slug(&base), industry))
        });
        let domain = format!("{slug}.example");
        let city = *pick(self.rng, country.cities);
        let local = pick(self.rng, &["info", "sales", "hello", "procurement", "office"]);
        let mut input = CustomerInput {
            name: Some(name),
            kind: Some("organization".into()),
            industry: Some(industry.to_string()),
            email: Some(self.email(local, &domain)),
            ..CustomerInput::default()
        };
        if self.chance(0.4) {
            input.mobile = Some(intl_mobile(self.rng, country.style, city.3));
        }
        if self.chance(0.9) {
            input.phone = Some(intl_landline(self.rng, country.style, city.3));
        }
        input.address = Some(self.intl_address(country, city, true));
        input.bank_account = self.bank_account(false);
        self.common(&mut input, false);
        let n = *weighted(self.rng, &[(1usize, 50), (2, 35), (3, 15)]);
        let contacts = (0..n).map(|_| self.intl_contact(&domain, country, city.3)).collect();
        (input, contacts)
    }

    fn intl_contact(&mut self, domain: &str, country: &Country, area: &str) -> ContactInput {
        let first = pick(self.rng, EN_FIRST);
        let last = pick(self.rng, EN_LAST);
        let mut c = ContactInput {
            name: Some(format!("{first} {last}")),
            title: Some(pick(self.rng, EN_CONTACT_TITLES).to_string()),
            email: Some(self.email(&format!("{}.{}", slug(first), slug(last)), domain)),
            ..ContactInput::default()
        };
        if self.chance(0.75) {
            c.mobile = Some(intl_mobile(self.rng, country.style, area));
        }
        if self.chance(0.4) {
            c.phone = Some(intl_landline(self.rng, country.style, area));
        }
        c
    }

    fn intl_person(&mut self) -> (CustomerInput, Vec<ContactInput>) {
        let (name, (first, last)) = self.unique_name(|rng| {
            let first = pick(rng, EN_FIRST);
            let last = pick(rng, EN_LAST);
            (format!("{first} {last}"), (*first, *last))
        });
        let country = self.country();
        let city = *pick(self.rng, country.cities);
        let mut input = CustomerInput { name: Some(name), kind: Some("person".into()), ..CustomerInput::default() };
        if self.chance(0.9) {
            let domain = pick(self.rng, PERSON_MAIL_DOMAINS);
            input.email = Some(self.email(&format!("{}.{}", slug(first), slug(last)), domain));
        }
        if self.chance(0.85) {
            input.mobile = Some(intl_mobile(self.rng, country.style, city.3));
        }
        if self.chance(0.2) {
            input.phone = Some(intl_landline(self.rng, country.style, city.3));
        }
        if self.chance(0.7) {
            input.address = Some(self.intl_address(country, city, false));
        }
        if self.chance(0.6) {
            input.birthday =
                self.birthday().map(|b| format!("{:04}-{:02}-{:02}", b.year(), u8::from(b.month()), b.day()));
        }
        input.bank_account = self.bank_account(false);
        self.common(&mut input, false);
        let contacts = if self.chance(0.2) {
            let cfirst = pick(self.rng, EN_FIRST);
            let domain = pick(self.rng, PERSON_MAIL_DOMAINS);
            vec![ContactInput {
                name: Some(format!("{cfirst} {last}")),
                title: Some(pick(self.rng, &["Assistant", "Spouse", "Accountant"]).to_string()),
                email: Some(self.email(&format!("{}.{}", slug(cfirst), slug(last)), domain)),
                ..ContactInput::default()
            }]
        } else {
            Vec::new()
        };
        (input, contacts)
    }
}

/// Lower-case ASCII letters and digits of `s` joined by dashes: `Blue Harbor` -> `blue-harbor`.
fn slug(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// `count` customers, about 60% Chinese and 40% international, 65% organisations.
pub fn customers(rng: &mut impl Rng, count: usize, today: Date, users: &[DemoUser]) -> Vec<DemoCustomer> {
    let owners = Owners::from(users);
    let mut g = Gen { rng, today, emails: BTreeSet::new(), names: BTreeSet::new() };
    (0..count)
        .map(|_| {
            let chinese = g.chance(0.6);
            let org = g.chance(0.65);
            let (mut input, contacts) = match (chinese, org) {
                (true, true) => g.cn_org(),
                (true, false) => g.cn_person(),
                (false, true) => g.intl_org(),
                (false, false) => g.intl_person(),
            };
            let status = *weighted(g.rng, &[("lead", 30), ("prospect", 25), ("customer", 35), ("churned", 10)]);
            input.status = Some(status.to_string());
            let owner = owners.choose(g.rng, chinese, status == "lead");
            let team = owner.and_then(|u| users.get(u)).and_then(|u| u.team);
            DemoCustomer { input, owner, team, contacts }
        })
        .collect()
}
