//! Sales pipelines: a name and 1–20 ordered stages, each with a unique name and a win
//! probability of 0–100 %. Pure validation; storage and stage ids are the app's business.

use crate::errors::{FieldErrors, ValueError};
use crate::ids::StageId;
use crate::text::{self, SHORT};

/// Most stages one pipeline may have.
pub const MAX_STAGES: usize = 20;

/// One stage as sent by a caller: an existing stage names its id; a new one has none.
#[derive(Debug, Clone, Default)]
pub struct StageInput {
    pub id: Option<String>,
    pub name: Option<String>,
    pub probability: Option<i64>,
}

/// A pipeline as sent by a caller: its name and its stages in order.
#[derive(Debug, Clone, Default)]
pub struct PipelineInput {
    pub name: Option<String>,
    pub stages: Option<Vec<StageInput>>,
}

/// A validated stage: id (when it already exists), name and probability in percent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageSpec {
    pub id: Option<StageId>,
    pub name: String,
    pub probability: u8,
}

/// A validated pipeline: name (1–100 characters) and 1–20 stages with unique names and ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineSpec {
    pub name: String,
    pub stages: Vec<StageSpec>,
}

/// Parses a win probability: an integer percentage from 0 to 100.
pub fn probability(p: i64) -> Result<u8, ValueError> {
    u8::try_from(p)
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| ValueError::new("out_of_range", "must be an integer from 0 to 100"))
}

impl PipelineSpec {
    /// Validates a complete pipeline; every invalid field is reported, stage fields as
    /// `stages[i].name` / `stages[i].probability` / `stages[i].id`.
    pub fn validate(input: &PipelineInput) -> Result<PipelineSpec, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = match &input.name {
            Some(n) => e.check("name", text::required(n, SHORT)),
            None => {
                e.push("name", "required", "is required");
                None
            }
        };
        let raw = input.stages.as_deref().unwrap_or(&[]);
        if raw.is_empty() {
            e.push("stages", "required", "a pipeline needs at least one stage");
        } else if raw.len() > MAX_STAGES {
            e.push("stages", "too_many", format!("at most {MAX_STAGES} stages"));
        }
        let mut stages: Vec<StageSpec> = Vec::with_capacity(raw.len());
        for (i, s) in raw.iter().enumerate().take(MAX_STAGES) {
            let id = match s.id.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(v) => match v.parse::<StageId>() {
                    Ok(id) if stages.iter().any(|o| o.id == Some(id)) => {
                        e.push(format!("stages[{i}].id"), "duplicate", "names the same stage twice");
                        None
                    }
                    Ok(id) => Some(id),
                    Err(_) => {
                        e.push(format!("stages[{i}].id"), "invalid_id", "must be a stage id (UUID)");
                        None
                    }
                },
            };
            let name = match &s.name {
                Some(n) => e.check(&format!("stages[{i}].name"), text::required(n, SHORT)),
                None => {
                    e.push(format!("stages[{i}].name"), "required", "is required");
                    None
                }
            };
            if let Some(n) = &name
                && stages.iter().any(|o| o.name.to_lowercase() == n.to_lowercase())
            {
                e.push(format!("stages[{i}].name"), "duplicate", "stage names must be unique within the pipeline");
            }
            let probability = match s.probability {
                Some(p) => e.check(&format!("stages[{i}].probability"), probability(p)),
                None => {
                    e.push(format!("stages[{i}].probability"), "required", "is required");
                    None
                }
            };
            stages.push(StageSpec { id, name: name.unwrap_or_default(), probability: probability.unwrap_or(0) });
        }
        e.into_result(PipelineSpec { name: name.unwrap_or_default(), stages })
    }

    /// The pipeline every new installation starts with.
    pub fn default_sales() -> PipelineSpec {
        let stage = |name: &str, probability: u8| StageSpec { id: None, name: name.into(), probability };
        PipelineSpec {
            name: "Sales".into(),
            stages: vec![
                stage("Qualification", 10),
                stage("Needs analysis", 25),
                stage("Proposal", 50),
                stage("Negotiation", 75),
                stage("Contract", 90),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(name: &str, p: i64) -> StageInput {
        StageInput { id: None, name: Some(name.into()), probability: Some(p) }
    }

    #[test]
    fn accepts_a_valid_pipeline() {
        let p = PipelineSpec::validate(&PipelineInput {
            name: Some(" Enterprise ".into()),
            stages: Some(vec![st("Lead", 0), st("Won", 100)]),
        })
        .unwrap();
        assert_eq!(p.name, "Enterprise");
        assert_eq!(p.stages.len(), 2);
        assert_eq!(p.stages[1].probability, 100);
    }

    #[test]
    fn reports_every_bad_field() {
        let e = PipelineSpec::validate(&PipelineInput {
            name: Some("x".repeat(101)),
            stages: Some(vec![st("A", 10), st("a", 101), StageInput { id: Some("nope".into()), ..st("", 5) }]),
        })
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "stages[1].name", "stages[1].probability", "stages[2].id", "stages[2].name"]);
        let e = PipelineSpec::validate(&PipelineInput { name: Some("P".into()), stages: Some(vec![]) }).unwrap_err();
        assert_eq!(e.0[0].field, "stages");
        let many = (0..21).map(|i| st(&format!("S{i}"), 1)).collect();
        let e = PipelineSpec::validate(&PipelineInput { name: Some("P".into()), stages: Some(many) }).unwrap_err();
        assert_eq!(e.0[0].code, "too_many");
    }

    #[test]
    fn the_default_pipeline_is_valid() {
        let d = PipelineSpec::default_sales();
        assert_eq!(d.stages.iter().map(|s| s.probability).collect::<Vec<_>>(), [10, 25, 50, 75, 90]);
    }
}
