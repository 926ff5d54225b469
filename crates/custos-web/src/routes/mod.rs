//! HTTP handlers, one module per resource. Each extracts input, calls one use case with the
//! actor, and shapes the answer; none decides policy or touches storage.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod contacts;
pub mod customers;
pub mod disclosure;
pub mod mfa;
pub mod reviews;
pub mod sessions;
pub mod system;
