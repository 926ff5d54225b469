//! The lead forms: the new/edit form and the convert form, what a browser posts, how it
//! becomes the same `LeadInput` / `LeadChanges` / `ConvertLead` the JSON API builds, and the
//! inputs with their translated errors. Validation itself is never done here.

use super::i18n::{self, Locale};
use super::view::{Field, FormView, Opt, Section};
use custos_app::lead_convert::{ConvertCustomer, ConvertLead};
use custos_app::lead_views::LeadOut;
use custos_domain::sales::{Currency, DealInput, LeadChanges, LeadInput, LeadSource, LeadStatus};
use custos_domain::{Change, CustomerKind};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A posted lead form. Sensitive fields are `None` when the form did not carry them (the
/// reader sees them masked or not at all): they are kept, so a mask is never saved.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LeadForm {
    pub name: String,
    pub company: String,
    pub title: String,
    pub source: String,
    pub status: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub notes: Option<String>,
    /// The version an edit started from.
    pub version: String,
    /// The status an edit started from (an unchanged status is not sent).
    pub initial_status: String,
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

fn set(s: &str) -> Change<String> {
    if s.trim().is_empty() { Change::Clear } else { Change::Set(s.to_string()) }
}

fn set_opt(s: &Option<String>) -> Change<String> {
    s.as_deref().map_or(Change::Keep, set)
}

pub(super) fn opt(value: &str, label: String, current: &str) -> Opt {
    Opt { value: value.to_string(), label, selected: value == current }
}

/// The label of a lead status or source in `loc`.
pub(super) fn status_label(loc: Locale, s: LeadStatus) -> String {
    i18n::t(loc, &format!("lead-status-{}", s.as_str()))
}

pub(super) fn source_label(loc: Locale, s: LeadSource) -> String {
    i18n::t(loc, &format!("lead-source-{}", s.as_str().replace('_', "-")))
}

/// Builds inputs with their labels (`lead-field-*`, else `field-*`) and errors.
pub(super) struct Builder<'a> {
    pub loc: Locale,
    pub errors: &'a BTreeMap<String, String>,
    pub prefix: &'static str,
    pub summary: Vec<(String, String, String)>,
}

impl Builder<'_> {
    pub fn field(&mut self, name: &'static str, input: &'static str, value: &str) -> Field {
        let own = format!("lead-field-{name}");
        let label = if i18n::has(Locale::En, &own) {
            i18n::t(self.loc, &own)
        } else {
            i18n::t(self.loc, &format!("field-{name}"))
        };
        let error = self.errors.get(name).cloned();
        if let Some(e) = &error {
            self.summary.push((format!("{}{name}", self.prefix), label.clone(), e.clone()));
        }
        Field {
            name,
            label,
            value: value.to_string(),
            input,
            required: false,
            autocomplete: "off",
            hint: None,
            error,
            options: Vec::new(),
            id_prefix: self.prefix,
        }
    }

    /// Errors of fields the form has no input for, so they still show in the summary.
    pub fn rest(&mut self, shown: &[&str]) {
        for (k, v) in self.errors {
            if !shown.contains(&k.as_str()) {
                self.summary.push((String::new(), k.clone(), v.clone()));
            }
        }
    }
}

fn with(mut f: Field, required: bool, options: Vec<Opt>, hint: Option<String>) -> Field {
    f.required = required;
    f.options = options;
    f.hint = hint;
    f
}

impl LeadForm {
    pub fn from_lead(l: &LeadOut) -> LeadForm {
        let r = &l.redactions;
        let sensitive = |field: &str, v: &Option<String>| {
            let redacted = r.masked.contains(&field) || r.hidden.contains(&field);
            (!redacted).then(|| v.clone().unwrap_or_default())
        };
        LeadForm {
            name: l.name.clone(),
            company: l.company.clone().unwrap_or_default(),
            title: l.title.clone().unwrap_or_default(),
            source: l.source.as_str().into(),
            status: l.status.as_str().into(),
            email: sensitive("email", &l.email),
            mobile: sensitive("mobile", &l.mobile),
            notes: sensitive("notes", &l.notes),
            version: l.version.to_string(),
            initial_status: l.status.as_str().into(),
        }
    }

    pub fn to_input(&self) -> LeadInput {
        LeadInput {
            name: some(&self.name),
            company: some(&self.company),
            title: some(&self.title),
            source: some(&self.source),
            status: (!self.status.is_empty()).then(|| self.status.clone()),
            owner_id: None,
            team_id: None,
            email: self.email.clone(),
            mobile: self.mobile.clone(),
            notes: self.notes.clone(),
        }
    }

    /// An edit sets every field on the form (empty clears) and keeps owner, team and redacted
    /// fields. An unchanged status is not sent, so a disqualified lead stays disqualified.
    pub fn to_changes(&self) -> LeadChanges {
        LeadChanges {
            name: some(&self.name),
            source: some(&self.source),
            status: (self.status != self.initial_status).then(|| self.status.clone()),
            company: set(&self.company),
            title: set(&self.title),
            owner_id: Change::Keep,
            team_id: Change::Keep,
            email: set_opt(&self.email),
            mobile: set_opt(&self.mobile),
            notes: set_opt(&self.notes),
        }
    }

    pub fn view(&self, loc: Locale, errors: &BTreeMap<String, String>) -> FormView {
        let mut b = Builder { loc, errors, prefix: "l-", summary: Vec::new() };
        let sources = LeadSource::ALL.iter().map(|s| opt(s.as_str(), source_label(loc, *s), &self.source));
        let sources = std::iter::once(opt("", i18n::t(loc, "lead-choose"), &self.source)).chain(sources).collect();
        let mut statuses: Vec<LeadStatus> = LeadStatus::WORKING.to_vec();
        if let Ok(s) = LeadStatus::parse(&self.status)
            && !statuses.contains(&s)
        {
            statuses.insert(0, s);
        }
        let statuses = statuses.iter().map(|s| opt(s.as_str(), status_label(loc, *s), &self.status)).collect();
        let basics = vec![
            with(b.field("name", "text", &self.name), true, Vec::new(), None),
            b.field("company", "text", &self.company),
            b.field("title", "text", &self.title),
            with(b.field("source", "select", ""), true, sources, None),
            with(b.field("status", "select", ""), false, statuses, None),
        ];
        let o = |v: &Option<String>| v.as_deref().map(str::to_string);
        let contact: Vec<Field> = [
            o(&self.email).map(|v| b.field("email", "email", &v)),
            o(&self.mobile)
                .map(|v| with(b.field("mobile", "tel", &v), false, Vec::new(), Some(i18n::t(loc, "hint-mobile")))),
            o(&self.notes).map(|v| b.field("notes", "textarea", &v)),
        ]
        .into_iter()
        .flatten()
        .collect();
        b.rest(&["name", "company", "title", "source", "status", "email", "mobile", "notes"]);
        let sections = [("form-section-basics", basics), ("form-section-contact", contact)]
            .into_iter()
            .filter(|(_, f)| !f.is_empty())
            .map(|(k, fields)| Section { legend: i18n::t(loc, k), fields })
            .collect();
        FormView { sections, summary: b.summary }
    }
}

/// A posted convert form. `customer_id` comes from an "add to this customer" button and
/// `confirm_duplicates` from "create a new customer anyway".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConvertForm {
    pub version: String,
    pub customer_name: String,
    pub customer_kind: String,
    /// `on` when checked; a posted form without it means unchecked.
    pub create_contact: Option<String>,
    pub with_deal: Option<String>,
    pub deal_title: String,
    pub amount: String,
    pub currency: String,
    /// `pipeline_id/stage_id`, or empty for the defaults.
    pub stage: String,
    pub expected_close: String,
    pub customer_id: String,
    pub confirm_duplicates: String,
}

/// Where each error field of a conversion shows on the convert form.
pub(super) fn convert_field(field: &str) -> &str {
    match field {
        "customer.name" => "customer_name",
        "customer.kind" => "customer_kind",
        "deal.title" => "deal_title",
        "deal.amount" => "amount",
        "deal.currency" => "currency",
        "deal.pipeline_id" | "deal.stage_id" => "stage",
        "deal.expected_close" => "expected_close",
        other => other,
    }
}

impl ConvertForm {
    /// The form as first shown: the default customer, a contact, no deal.
    pub fn initial(l: &LeadOut) -> ConvertForm {
        let (name, kind) = match &l.company {
            Some(c) => (c.clone(), CustomerKind::Organization),
            None => (l.name.clone(), CustomerKind::Person),
        };
        ConvertForm {
            version: l.version.to_string(),
            customer_name: name,
            customer_kind: kind.as_str().into(),
            create_contact: Some("on".into()),
            currency: Currency::CNY.as_str().into(),
            ..Default::default()
        }
    }

    pub fn to_convert(&self, version: i64) -> ConvertLead {
        let existing = Some(self.customer_id.trim().to_string()).filter(|c| !c.is_empty());
        let customer = if existing.is_some() {
            ConvertCustomer::default()
        } else {
            ConvertCustomer { name: some(&self.customer_name), kind: some(&self.customer_kind) }
        };
        let (pipeline, stage) = match self.stage.split_once('/') {
            Some((p, s)) => (some(p), some(s)),
            None => (None, None),
        };
        let deal = self.with_deal.is_some().then(|| DealInput {
            title: some(&self.deal_title),
            amount: some(&self.amount),
            currency: some(&self.currency),
            pipeline_id: pipeline,
            stage_id: stage,
            expected_close: some(&self.expected_close),
            ..DealInput::default()
        });
        ConvertLead {
            expected_version: version,
            customer,
            customer_id: existing,
            create_contact: Some(self.create_contact.is_some()),
            deal,
            confirm_duplicates: !self.confirm_duplicates.is_empty(),
        }
    }

    /// The customer and deal inputs; `stages` are the pipeline/stage choices.
    pub fn view(&self, loc: Locale, errors: &BTreeMap<String, String>, stages: Vec<Opt>) -> FormView {
        let mut b = Builder { loc, errors, prefix: "cv-", summary: Vec::new() };
        let kinds = CustomerKind::ALL
            .iter()
            .map(|k| opt(k.as_str(), i18n::t(loc, &format!("kind-{}", k.as_str())), &self.customer_kind))
            .collect();
        let currencies = Currency::all().map(|c| opt(c.as_str(), c.as_str().to_string(), &self.currency)).collect();
        let customer = vec![
            with(b.field("customer_name", "text", &self.customer_name), true, Vec::new(), None),
            with(b.field("customer_kind", "select", ""), false, kinds, None),
        ];
        let deal = vec![
            b.field("deal_title", "text", &self.deal_title),
            b.field("amount", "text", &self.amount),
            with(b.field("currency", "select", ""), false, currencies, None),
            with(b.field("stage", "select", ""), false, stages, None),
            with(
                b.field("expected_close", "date", &self.expected_close),
                false,
                Vec::new(),
                Some(i18n::t(loc, "hint-date")),
            ),
        ];
        let shown = ["customer_name", "customer_kind", "deal_title", "amount", "currency", "stage", "expected_close"];
        b.rest(&shown);
        let sections = vec![
            Section { legend: i18n::t(loc, "lead-convert-customer"), fields: customer },
            Section { legend: i18n::t(loc, "lead-convert-deal"), fields: deal },
        ];
        FormView { sections, summary: b.summary }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_customer_replaces_the_new_one_and_checkboxes_mean_what_they_say() {
        let f = ConvertForm {
            customer_name: "Acme".into(),
            customer_id: "0190f0e0-0000-7000-8000-000000000000".into(),
            stage: "p1/s1".into(),
            with_deal: Some("on".into()),
            deal_title: "First order".into(),
            ..Default::default()
        };
        let c = f.to_convert(3);
        assert_eq!(c.customer.name, None);
        assert_eq!(c.create_contact, Some(false));
        let deal = c.deal.unwrap();
        assert_eq!((deal.pipeline_id.as_deref(), deal.stage_id.as_deref()), (Some("p1"), Some("s1")));
        assert_eq!(convert_field("deal.stage_id"), "stage");
    }

    #[test]
    fn an_unchanged_status_is_not_sent() {
        let f = LeadForm { name: "x".into(), status: "disqualified".into(), ..Default::default() };
        let same = LeadForm { initial_status: "disqualified".into(), ..f.clone() };
        assert_eq!(same.to_changes().status, None);
        assert_eq!(f.to_changes().status.as_deref(), Some("disqualified"));
        assert_eq!(f.to_changes().email, Change::Keep);
    }
}
