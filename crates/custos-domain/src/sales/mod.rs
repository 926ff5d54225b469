//! Sales: pipelines and stages, leads, deals, activities and quotas as validated values.
//! Pure rules; the app stores them and decides who may see them.

pub mod activity;
pub mod deal;
pub mod lead;
pub mod money;
pub mod pipeline;
pub mod quota;
pub mod report;

pub use activity::{ActivityChanges, ActivityData, ActivityInput, ActivityKind};
pub use deal::{DealChanges, DealData, DealInput, DealPatch, DealStatus};
pub use lead::{Lead, LeadChanges, LeadData, LeadInput, LeadSource, LeadStatus};
pub use money::{Currency, Money};
pub use pipeline::{PipelineInput, PipelineSpec, StageInput, StageSpec};
pub use quota::{Period, QuotaChanges, QuotaData, QuotaInput, QuotaSubject};
pub use report::{DateRange, Interval, ReportInput, ReportParams};
