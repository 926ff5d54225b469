//! Table access, one module per group of tables. Every function takes an executor so that it
//! runs the same on a read pool or inside a write transaction.

pub(crate) mod access;
pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod blind;
pub(crate) mod contacts;
pub(crate) mod customers;
pub(crate) mod scope;
