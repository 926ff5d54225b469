//! Table access, one module per group of tables. Every function takes an executor so that it
//! runs the same on a read pool or inside a write transaction.

pub(crate) mod access;
pub(crate) mod accounts;
pub(crate) mod activities;
pub(crate) mod audit;
pub(crate) mod audit_bulk;
pub(crate) mod audit_copy;
pub(crate) mod audit_sqlite;
pub(crate) mod audit_subject_bulk;
pub(crate) mod blind;
pub(crate) mod contacts;
pub(crate) mod customers;
pub(crate) mod deal_board;
pub(crate) mod deals;
pub(crate) mod lead_duplicates;
pub(crate) mod leaderboard;
pub(crate) mod leads;
pub(crate) mod pipelines;
pub(crate) mod quotas;
pub(crate) mod reports;
pub(crate) mod scope;
pub(crate) mod timeline;
