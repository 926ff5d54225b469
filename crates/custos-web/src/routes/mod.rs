//! HTTP handlers, one module per resource. Each extracts input, calls one use case with the
//! actor, and shapes the answer; none decides policy or touches storage.

pub mod activities;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod contacts;
pub mod customers;
pub mod deals;
pub mod disclosure;
pub mod leads;
pub mod mfa;
pub mod pipelines;
pub mod quotas;
pub mod reports;
pub mod reviews;
pub mod sessions;
pub mod system;
