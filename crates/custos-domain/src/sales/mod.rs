//! Sales: pipelines and stages, leads, deals, activities and quotas as validated values.
//! Pure rules; the app stores them and decides who may see them.

pub mod money;

pub use money::{Currency, Money};
