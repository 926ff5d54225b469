//! Leads: people who may become customers, where they came from and how far they got, and the
//! rules that validate them. A lead becomes `converted` only through conversion (which the
//! app performs) and `disqualified` only with a reason. Pure rules: no IO.

use crate::Change;
use crate::customer::{CustomerKind, change};
use crate::errors::{FieldErrors, ValueError};
use crate::ids::{CustomerId, DealId, LeadId, TeamId, UserId};
use crate::sensitivity::{FieldSpec, Sensitivity};
use crate::text::{self, NAME, NOTES, SHORT, TextRule};
use crate::values::{Email, Mobile};
use time::OffsetDateTime;

/// Longest reason for disqualifying a lead.
pub const REASON: TextRule = TextRule { max_chars: 500, multiline: true };

/// Where a lead came from. The identifiers are stable: reports and integrations use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeadSource {
    Website,
    Referral,
    Event,
    ColdCall,
    Partner,
    Advertising,
    Social,
    Other,
}

impl LeadSource {
    pub const ALL: [LeadSource; 8] = [
        LeadSource::Website,
        LeadSource::Referral,
        LeadSource::Event,
        LeadSource::ColdCall,
        LeadSource::Partner,
        LeadSource::Advertising,
        LeadSource::Social,
        LeadSource::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeadSource::Website => "website",
            LeadSource::Referral => "referral",
            LeadSource::Event => "event",
            LeadSource::ColdCall => "cold_call",
            LeadSource::Partner => "partner",
            LeadSource::Advertising => "advertising",
            LeadSource::Social => "social",
            LeadSource::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValueError> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or_else(|| {
            ValueError::new(
                "invalid_choice",
                "must be one of: website, referral, event, cold_call, partner, advertising, social, other",
            )
        })
    }
}

/// How far a lead got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    /// Became a customer (and contact, and maybe a deal); set only by conversion.
    Converted,
    /// Not worth pursuing; set only with a reason.
    Disqualified,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 5] = [
        LeadStatus::New,
        LeadStatus::Contacted,
        LeadStatus::Qualified,
        LeadStatus::Converted,
        LeadStatus::Disqualified,
    ];
    /// The statuses a create or an edit may set directly.
    pub const WORKING: [LeadStatus; 3] = [LeadStatus::New, LeadStatus::Contacted, LeadStatus::Qualified];

    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Contacted => "contacted",
            LeadStatus::Qualified => "qualified",
            LeadStatus::Converted => "converted",
            LeadStatus::Disqualified => "disqualified",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValueError> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or_else(|| {
            ValueError::new("invalid_choice", "must be one of: new, contacted, qualified, converted, disqualified")
        })
    }

    /// A status a create or an edit may set: converted and disqualified have their own steps.
    fn settable(s: &str) -> Result<Self, ValueError> {
        match Self::parse(s)? {
            LeadStatus::Converted => {
                Err(ValueError::new("converted_by_conversion", "becomes converted only by converting the lead"))
            }
            LeadStatus::Disqualified => Err(ValueError::new(
                "disqualify_with_reason",
                "becomes disqualified only by disqualifying with a reason",
            )),
            ok => Ok(ok),
        }
    }
}

/// Every field of a lead with its class: contact details and notes are personal data.
pub const LEAD_FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "name", class: Sensitivity::Internal },
    FieldSpec { name: "company", class: Sensitivity::Internal },
    FieldSpec { name: "title", class: Sensitivity::Internal },
    FieldSpec { name: "source", class: Sensitivity::Internal },
    FieldSpec { name: "status", class: Sensitivity::Internal },
    FieldSpec { name: "owner_id", class: Sensitivity::Internal },
    FieldSpec { name: "team_id", class: Sensitivity::Internal },
    FieldSpec { name: "email", class: Sensitivity::Confidential },
    FieldSpec { name: "mobile", class: Sensitivity::Confidential },
    FieldSpec { name: "notes", class: Sensitivity::Confidential },
    FieldSpec { name: "disqualify_reason", class: Sensitivity::Internal },
    FieldSpec { name: "created_at", class: Sensitivity::Internal },
    FieldSpec { name: "updated_at", class: Sensitivity::Internal },
];

/// The validated content of a lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadData {
    /// The person.
    pub name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub source: LeadSource,
    pub status: LeadStatus,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub email: Option<Email>,
    pub mobile: Option<Mobile>,
    pub notes: Option<String>,
    pub disqualify_reason: Option<String>,
}

/// Where a converted lead went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversion {
    /// `None` once that customer was erased.
    pub customer_id: Option<CustomerId>,
    pub deal_id: Option<DealId>,
    pub at: OffsetDateTime,
}

/// A stored lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead {
    pub id: LeadId,
    pub data: LeadData,
    /// Set once the lead was converted.
    pub conversion: Option<Conversion>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// Raw input for a new lead.
#[derive(Debug, Clone, Default)]
pub struct LeadInput {
    pub name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub source: Option<String>,
    pub status: Option<String>,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub notes: Option<String>,
}

/// Raw changes to a lead: `None` / `Keep` leave a field alone.
#[derive(Debug, Clone, Default)]
pub struct LeadChanges {
    pub name: Option<String>,
    pub source: Option<String>,
    pub status: Option<String>,
    pub company: Change<String>,
    pub title: Change<String>,
    pub owner_id: Change<String>,
    pub team_id: Change<String>,
    pub email: Change<String>,
    pub mobile: Change<String>,
    pub notes: Change<String>,
}

fn id<T: std::str::FromStr>(v: &str) -> Result<T, ValueError> {
    v.parse().map_err(|_| ValueError::new("invalid_id", "must be an id (UUID)"))
}

fn bounded(rule: TextRule) -> impl Fn(&str) -> Result<String, ValueError> {
    move |v| text::required(v, rule)
}

fn required(e: &mut FieldErrors, field: &str, raw: &Option<String>, rule: TextRule) -> Option<String> {
    match raw {
        Some(v) => e.check(field, text::required(v, rule)),
        None => {
            e.push(field, "required", "is required");
            None
        }
    }
}

impl LeadData {
    /// Validates a new lead; every invalid field is reported. The status defaults to new.
    pub fn validate(input: &LeadInput) -> Result<LeadData, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = required(&mut e, "name", &input.name, NAME);
        let source = match &input.source {
            Some(s) => e.check("source", LeadSource::parse(s)),
            None => {
                e.push("source", "required", "is required");
                None
            }
        };
        let status = match input.status.as_deref().map(str::trim) {
            None | Some("") => Some(LeadStatus::New),
            Some(s) => e.check("status", LeadStatus::settable(s)),
        };
        let mut d = LeadData {
            name: name.unwrap_or_default(),
            company: None,
            title: None,
            source: source.unwrap_or(LeadSource::Other),
            status: status.unwrap_or(LeadStatus::New),
            owner_id: None,
            team_id: None,
            email: None,
            mobile: None,
            notes: None,
            disqualify_reason: None,
        };
        let set = |v: &Option<String>| v.clone().map_or(Change::Keep, Change::Set);
        change(&mut e, "company", &set(&input.company), &mut d.company, bounded(NAME));
        change(&mut e, "title", &set(&input.title), &mut d.title, bounded(SHORT));
        change(&mut e, "owner_id", &set(&input.owner_id), &mut d.owner_id, id);
        change(&mut e, "team_id", &set(&input.team_id), &mut d.team_id, id);
        change(&mut e, "email", &set(&input.email), &mut d.email, Email::parse);
        change(&mut e, "mobile", &set(&input.mobile), &mut d.mobile, Mobile::parse);
        change(&mut e, "notes", &set(&input.notes), &mut d.notes, bounded(NOTES));
        e.into_result(d)
    }

    /// Applies changes to a copy; the original is untouched. A converted lead cannot change
    /// (it is the record of what was converted). Setting a working status on a disqualified
    /// lead reopens it and drops the reason.
    pub fn apply(&self, c: &LeadChanges) -> Result<LeadData, FieldErrors> {
        let mut e = FieldErrors::new();
        if self.status == LeadStatus::Converted {
            e.push("status", "converted", "a converted lead can no longer be changed");
            return Err(e);
        }
        let mut d = self.clone();
        if c.name.is_some() {
            d.name = required(&mut e, "name", &c.name, NAME).unwrap_or(d.name);
        }
        if let Some(s) = &c.source
            && let Some(v) = e.check("source", LeadSource::parse(s))
        {
            d.source = v;
        }
        if let Some(s) = &c.status
            && let Some(v) = e.check("status", LeadStatus::settable(s))
        {
            d.status = v;
            d.disqualify_reason = None;
        }
        change(&mut e, "company", &c.company, &mut d.company, bounded(NAME));
        change(&mut e, "title", &c.title, &mut d.title, bounded(SHORT));
        change(&mut e, "owner_id", &c.owner_id, &mut d.owner_id, id);
        change(&mut e, "team_id", &c.team_id, &mut d.team_id, id);
        change(&mut e, "email", &c.email, &mut d.email, Email::parse);
        change(&mut e, "mobile", &c.mobile, &mut d.mobile, Mobile::parse);
        change(&mut e, "notes", &c.notes, &mut d.notes, bounded(NOTES));
        e.into_result(d)
    }

    /// The lead, disqualified for `reason` (required, at most 500 characters). A converted
    /// lead cannot be disqualified.
    pub fn disqualify(&self, reason: Option<&str>) -> Result<LeadData, FieldErrors> {
        let mut e = FieldErrors::new();
        if self.status == LeadStatus::Converted {
            e.push("status", "converted", "a converted lead can no longer be changed");
        }
        let reason = required(&mut e, "reason", &reason.map(str::to_string), REASON);
        let d = LeadData { status: LeadStatus::Disqualified, disqualify_reason: reason, ..self.clone() };
        e.into_result(d)
    }

    /// Whether the lead may still be converted: not converted yet, not disqualified.
    pub fn convertible(&self) -> Result<(), ValueError> {
        match self.status {
            LeadStatus::Converted => Err(ValueError::new("converted", "the lead was already converted")),
            LeadStatus::Disqualified => {
                Err(ValueError::new("disqualified", "a disqualified lead must be reopened before it is converted"))
            }
            _ => Ok(()),
        }
    }

    /// The customer a conversion makes when none is named: the company if there is one (an
    /// organisation), else the person.
    pub fn default_customer(&self) -> (String, CustomerKind) {
        match &self.company {
            Some(c) => (c.clone(), CustomerKind::Organization),
            None => (self.name.clone(), CustomerKind::Person),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> LeadInput {
        LeadInput {
            name: Some(" 王芳 ".into()),
            company: Some("星河科技".into()),
            source: Some("website".into()),
            email: Some("wang.fang@example.com".into()),
            mobile: Some("13812345678".into()),
            ..Default::default()
        }
    }

    #[test]
    fn validates_a_new_lead_with_defaults() {
        let d = LeadData::validate(&input()).unwrap();
        assert_eq!(d.name, "王芳");
        assert_eq!(d.status, LeadStatus::New);
        assert_eq!(d.source, LeadSource::Website);
        assert_eq!(d.mobile.unwrap().as_str(), "+8613812345678");
        assert_eq!(d.company.as_deref(), Some("星河科技"));
    }

    #[test]
    fn reports_every_bad_field_without_values() {
        let bad = LeadInput {
            name: Some("x".repeat(201)),
            title: Some("t".repeat(101)),
            source: Some("billboard".into()),
            status: Some("converted".into()),
            email: Some("not-an-email".into()),
            notes: Some("n".repeat(10_001)),
            ..Default::default()
        };
        let e = LeadData::validate(&bad).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "source", "status", "title", "email", "notes"]);
        assert!(e.0.iter().all(|f| !f.message.contains("not-an-email")));
        let missing = LeadData::validate(&LeadInput::default()).unwrap_err();
        assert_eq!(missing.0.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["name", "source"]);
    }

    #[test]
    fn statuses_converted_and_disqualified_have_their_own_steps() {
        let d = LeadData::validate(&input()).unwrap();
        let c = LeadChanges { status: Some("disqualified".into()), ..Default::default() };
        assert_eq!(d.apply(&c).unwrap_err().0[0].code, "disqualify_with_reason");
        assert_eq!(d.disqualify(None).unwrap_err().0[0].field, "reason");
        assert_eq!(d.disqualify(Some(&"r".repeat(501))).unwrap_err().0[0].code, "too_long");
        let dq = d.disqualify(Some("no budget")).unwrap();
        assert_eq!(dq.status, LeadStatus::Disqualified);
        assert!(dq.convertible().is_err());
        let reopened = dq.apply(&LeadChanges { status: Some("contacted".into()), ..Default::default() }).unwrap();
        assert_eq!((reopened.status, reopened.disqualify_reason), (LeadStatus::Contacted, None));
        let converted = LeadData { status: LeadStatus::Converted, ..d };
        assert!(converted.apply(&LeadChanges { name: Some("x".into()), ..Default::default() }).is_err());
        assert!(converted.disqualify(Some("late")).is_err());
        assert_eq!(converted.convertible().unwrap_err().code, "converted");
    }

    #[test]
    fn the_default_customer_is_the_company_else_the_person() {
        let d = LeadData::validate(&input()).unwrap();
        assert_eq!(d.default_customer(), ("星河科技".to_string(), CustomerKind::Organization));
        let p = LeadData { company: None, ..d };
        assert_eq!(p.default_customer(), ("王芳".to_string(), CustomerKind::Person));
    }

    #[test]
    fn sources_are_stable_identifiers() {
        for s in LeadSource::ALL {
            assert_eq!(LeadSource::parse(s.as_str()).unwrap(), s);
        }
        assert_eq!(LeadSource::ColdCall.as_str(), "cold_call");
        assert!(LeadSource::parse("Website").is_err());
    }
}
