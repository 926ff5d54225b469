//! Deterministic demo-company data for Custos: teams, users with passwords, and customers
//! with contacts, all as raw inputs ready for the domain's validation.
//! It never does IO and never reads the clock: `today` is a parameter, randomness comes
//! only from a ChaCha8 generator seeded by the caller, so the same seed gives the same data.

mod customers;
mod numbers;
mod pools;
pub mod sales;
mod staff;

use custos_domain::{ContactInput, CustomerInput, Role};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use numbers::{luhn_check_digit, resident_id_check};
pub use staff::USER_DOMAIN;

/// A whole demo company: its teams, its staff and its customers.
#[derive(Debug, Clone)]
pub struct DemoCompany {
    pub name: String,
    pub teams: Vec<DemoTeam>,
    pub users: Vec<DemoUser>,
    pub customers: Vec<DemoCustomer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoTeam {
    pub name: String,
}

/// A staff member. `password` is the demo password in clear, meant to be printed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// Index into `DemoCompany::teams`.
    pub team: Option<usize>,
    pub password: String,
}

/// A customer as raw input. `input.owner_id` and `input.team_id` are left `None`: the
/// loader fills them from `owner` and `team` once users and teams have ids.
#[derive(Debug, Clone)]
pub struct DemoCustomer {
    pub input: CustomerInput,
    /// Index into `DemoCompany::users`; `None` for an unassigned lead.
    pub owner: Option<usize>,
    /// Index into `DemoCompany::teams`: the owner's team.
    pub team: Option<usize>,
    pub contacts: Vec<ContactInput>,
}

/// RNG streams, so that user passwords do not depend on how many customers are asked for.
const STREAM_STAFF: u64 = 1;
const STREAM_CUSTOMERS: u64 = 2;

/// Generates the demo company. Same `seed` (and arguments) => identical output.
pub fn generate(seed: u64, customers: usize, today: time::Date) -> DemoCompany {
    let mut staff_rng = ChaCha8Rng::seed_from_u64(seed);
    staff_rng.set_stream(STREAM_STAFF);
    let teams = staff::teams();
    let users = staff::users(&mut staff_rng);

    let mut customer_rng = ChaCha8Rng::seed_from_u64(seed);
    customer_rng.set_stream(STREAM_CUSTOMERS);
    let customers = customers::customers(&mut customer_rng, customers, today, &users);

    DemoCompany { name: "Custos Demo 演示贸易有限公司".to_string(), teams, users, customers }
}

/// A uniformly chosen element. Callers pass only non-empty constant lists.
pub(crate) fn pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// An element chosen with the given integer weights. Callers pass only non-empty constant
/// lists with positive total weight.
pub(crate) fn weighted<'a, T>(rng: &mut impl Rng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if roll < *w {
            return item;
        }
        roll -= w;
    }
    &items[items.len() - 1].0
}
