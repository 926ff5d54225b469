//! Black-box tests of the HTTP API: the real router and store on 127.0.0.1:0, a fresh
//! database per test (SQLite, and PostgreSQL too where a test loops over `backends()`).

mod activities;
mod auth;
mod authz;
mod bad_input;
mod concurrency;
mod contacts;
mod customers;
mod deal_audit;
mod deals;
mod lead_audit;
mod lead_convert;
mod lead_duplicates;
mod leaderboard;
mod leads;
mod lockout;
mod mfa;
mod openapi;
mod pipelines;
mod quotas;
mod reports;
mod reports_scope;
mod roundtrip;
mod scope;
mod sessions;
mod tokens;
