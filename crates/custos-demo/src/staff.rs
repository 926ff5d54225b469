//! The demo company's teams and users (one per role at least) with deterministic passwords.
//! It never stores, hashes or prints passwords: the caller decides what to do with them.

use crate::{DemoTeam, DemoUser};
use custos_domain::Role;
use rand::Rng;
use rand::seq::SliceRandom;

/// The mail domain of demo users (under the reserved `.example` TLD).
pub const USER_DOMAIN: &str = "demo.custos.example";

/// Team indexes, in the order `teams()` returns them.
pub const TEAM_EAST: usize = 0;
pub const TEAM_SOUTH: usize = 1;
pub const TEAM_INTL: usize = 2;

pub fn teams() -> Vec<DemoTeam> {
    ["华东销售 East China", "华南销售 South China", "International"]
        .into_iter()
        .map(|n| DemoTeam { name: n.to_string() })
        .collect()
}

/// (local part, display name, role, team)
const STAFF: &[(&str, &str, Role, Option<usize>)] = &[
    ("admin", "系统管理员 Admin", Role::Admin, None),
    ("sales.manager", "赵磊 Zhao Lei", Role::SalesManager, Some(TEAM_EAST)),
    ("wang.fang", "王芳 Wang Fang", Role::SalesRep, Some(TEAM_EAST)),
    ("li.qiang", "李强 Li Qiang", Role::SalesRep, Some(TEAM_EAST)),
    ("chen.jing", "陈静 Chen Jing", Role::SalesRep, Some(TEAM_SOUTH)),
    ("oliver.grant", "Oliver Grant", Role::SalesRep, Some(TEAM_INTL)),
    ("support", "孙丽 Sun Li", Role::Support, None),
    ("marketing", "Hannah Becker", Role::Marketing, None),
    ("auditor", "周敏 Zhou Min", Role::Auditor, None),
    ("security", "James Walker", Role::SecurityOfficer, None),
    ("dpo", "刘静 Liu Jing", Role::Dpo, None),
];

pub fn users(rng: &mut impl Rng) -> Vec<DemoUser> {
    STAFF
        .iter()
        .map(|&(local, display, role, team)| DemoUser {
            email: format!("{local}@{USER_DOMAIN}"),
            display_name: display.to_string(),
            role,
            team,
            password: password(rng),
        })
        .collect()
}

/// A strong-looking password: 16 letters and digits (at least one upper, one lower, one
/// digit; no look-alikes such as 0/O or 1/l) in four dash-separated groups, 19 characters.
pub fn password(rng: &mut impl Rng) -> String {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const DIGIT: &[u8] = b"23456789";
    let mut chars: Vec<u8> = vec![*crate::pick(rng, UPPER), *crate::pick(rng, LOWER), *crate::pick(rng, DIGIT)];
    while chars.len() < 16 {
        let class = crate::pick(rng, &[UPPER, LOWER, DIGIT]);
        chars.push(*crate::pick(rng, class));
    }
    chars.shuffle(rng);
    let groups: Vec<String> = chars.chunks(4).map(|g| g.iter().map(|&b| char::from(b)).collect()).collect();
    groups.join("-")
}
