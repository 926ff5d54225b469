//! Custos storage: one `Store` over SQLite (embedded default) or PostgreSQL, sharing one
//! SQL text (`$1…$N` placeholders) through sqlx's `Any` driver. It holds only ciphertext for
//! sensitive fields and knows no business rules, no HTTP and no crypto.

mod error;
mod keystore;
mod migrate;
mod rows;
mod sql;
mod store;
mod tables;

pub use error::StoreError;
pub use keystore::{KEYSTORE_FILE, KEYSTORE_SCHEMA, KekVersionRow, KeyStore, RotationRow, StoredKey, keystore_url_for};
pub use migrate::{MIGRATIONS, Migration};
pub use rows::{
    ApiTokenRow, ContactRow, CustomerFilter, CustomerRow, CustomerSort, Page, ReviewItemRow, ReviewRow, RoleRow,
    Sealed, SessionRow, SortKey, TeamRow, ThrottleRow, TotpRow, UserRow, Visibility,
};
pub use store::{Backend, Store, WriteTx};
pub use tables::activities::{ActivityFilter, ActivityPage, ActivityRow};
pub use tables::audit::{AUDIT_CHUNK, AuditRecord, AuditSearch, CheckpointRow, ImpactRow, audit_subjects, subjects_of};
pub use tables::audit_bulk::{AuditBatch, AuditReader};
pub use tables::audit_subject_bulk::SubjectBatch;
pub use tables::deal_board::{DealHistoryRow, StageTotalRow};
pub use tables::deals::{DealFilter, DealListRow, DealRow, DealSort};
pub use tables::lead_duplicates::MatchingCustomer;
pub use tables::leaderboard::{ActivityCountRow, OwnerDealTotals, PersonRow};
pub use tables::leads::{LeadFilter, LeadRow, LeadSort};
pub use tables::pipelines::{PipelineRow, StageRow};
pub use tables::quotas::{QuotaAttainmentRow, QuotaRow};
pub use tables::reports::{BucketSumRow, FunnelRow, OpenDealsRow, ReportPipelineRow, ReportStageRow, WinRateRow};
pub use tables::scope::Scoped;
pub use tables::timeline::TimelineStageRow;
