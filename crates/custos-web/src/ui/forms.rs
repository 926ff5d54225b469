//! The create/edit forms of customers and contacts: what a browser posts, how it becomes the
//! same `CustomerInput`/`CustomerChanges`/`ContactInput` the JSON API builds, and how the
//! domain's `FieldErrors` become translated messages beside each input. Validation itself is
//! never done here: the use cases apply the domain rules.

use super::i18n::{self, Locale};
use super::view::{Field, FormView, Opt, Section};
use custos_app::views::CustomerOut;
use custos_domain::contact::ContactInput;
use custos_domain::{Change, CustomerChanges, CustomerInput, CustomerKind, FieldErrors, LifecycleStatus};
use fluent_bundle::FluentValue;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A posted customer form. Plain fields are strings (absent = empty). Sensitive fields are
/// `None` when the form did not carry them: a field the reader sees masked or not at all is
/// left off the edit form and kept unchanged, so a mask is never saved over the real value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CustomerForm {
    pub name: String,
    pub kind: String,
    pub status: String,
    pub industry: String,
    pub tier: String,
    pub tags: String,
    pub source: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub birthday: Option<String>,
    pub national_id: Option<String>,
    pub bank_account: Option<String>,
    pub notes: Option<String>,
    /// The version the edit started from.
    pub version: String,
}

/// Splits a tag list typed as text: commas (ASCII or full-width) and 、 separate tags.
pub fn split_tags(s: &str) -> Vec<String> {
    s.split([',', '，', '、']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

fn set(s: &str) -> Change<String> {
    if s.trim().is_empty() { Change::Clear } else { Change::Set(s.to_string()) }
}

/// A sensitive field: kept when the form did not carry it.
fn set_opt(s: &Option<String>) -> Change<String> {
    s.as_deref().map_or(Change::Keep, set)
}

impl CustomerForm {
    /// The form pre-filled from a customer as the reader sees it; redacted fields stay `None`.
    pub fn from_customer(c: &CustomerOut) -> CustomerForm {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let r = &c.redactions;
        let sensitive = |field: &str, v: &Option<String>| {
            let redacted = r.masked.contains(&field) || r.hidden.contains(&field);
            (!redacted).then(|| v.clone().unwrap_or_default())
        };
        CustomerForm {
            name: c.name.clone(),
            kind: c.kind.as_str().into(),
            status: c.status.as_str().into(),
            industry: s(&c.industry),
            tier: s(&c.tier),
            tags: c.tags.join(", "),
            source: s(&c.source),
            email: sensitive("email", &c.email),
            mobile: sensitive("mobile", &c.mobile),
            phone: sensitive("phone", &c.phone),
            address: sensitive("address", &c.address),
            birthday: sensitive("birthday", &c.birthday),
            national_id: sensitive("national_id", &c.national_id),
            bank_account: sensitive("bank_account", &c.bank_account),
            notes: sensitive("notes", &c.notes),
            version: c.version.to_string(),
        }
    }

    /// The input of a new customer (empty optional fields are "none", as in the API).
    pub fn to_input(&self) -> CustomerInput {
        CustomerInput {
            name: some(&self.name),
            kind: (!self.kind.is_empty()).then(|| self.kind.clone()),
            status: (!self.status.is_empty()).then(|| self.status.clone()),
            industry: some(&self.industry),
            tier: some(&self.tier),
            owner_id: None,
            team_id: None,
            tags: Some(split_tags(&self.tags)),
            source: some(&self.source),
            email: self.email.clone(),
            mobile: self.mobile.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            birthday: self.birthday.clone(),
            national_id: self.national_id.clone(),
            bank_account: self.bank_account.clone(),
            notes: self.notes.clone(),
        }
    }

    /// The changes of an edit: every field on the form is set (empty clears); owner, team
    /// and redacted fields, which the form does not show, are kept.
    pub fn to_changes(&self) -> CustomerChanges {
        CustomerChanges {
            name: some(&self.name),
            kind: some(&self.kind),
            status: some(&self.status),
            tags: Some(split_tags(&self.tags)),
            industry: set(&self.industry),
            tier: set(&self.tier),
            owner_id: Change::Keep,
            team_id: Change::Keep,
            source: set(&self.source),
            email: set_opt(&self.email),
            mobile: set_opt(&self.mobile),
            phone: set_opt(&self.phone),
            address: set_opt(&self.address),
            birthday: set_opt(&self.birthday),
            national_id: set_opt(&self.national_id),
            bank_account: set_opt(&self.bank_account),
            notes: set_opt(&self.notes),
        }
    }

    /// The form's sections with values and the messages of `errors`.
    pub fn view(&self, loc: Locale, errors: &BTreeMap<String, String>) -> FormView {
        let mut b = Builder { loc, errors, prefix: "c-", summary: Vec::new() };
        let kinds = CustomerKind::ALL
            .iter()
            .map(|k| opt(k.as_str(), i18n::t(loc, &format!("kind-{}", k.as_str())), &self.kind))
            .collect();
        let statuses = LifecycleStatus::ALL
            .iter()
            .map(|s| opt(s.as_str(), i18n::t(loc, &format!("status-{}", s.as_str())), &self.status))
            .collect();
        let o = |v: &Option<String>| v.as_deref().map(str::to_string);
        let contact: Vec<Field> = [
            o(&self.email).map(|v| b.field("email", "email", &v).auto("email")),
            o(&self.mobile).map(|v| b.field("mobile", "tel", &v).auto("tel").hint(i18n::t(loc, "hint-mobile"))),
            o(&self.phone).map(|v| b.field("phone", "tel", &v).auto("tel")),
            o(&self.address).map(|v| b.field("address", "textarea", &v).auto("street-address")),
        ]
        .into_iter()
        .flatten()
        .collect();
        let identity: Vec<Field> = [
            o(&self.birthday).map(|v| b.field("birthday", "date", &v).auto("bday").hint(i18n::t(loc, "hint-date"))),
            o(&self.national_id).map(|v| b.field("national_id", "text", &v).hint(i18n::t(loc, "hint-national-id"))),
            o(&self.bank_account).map(|v| b.field("bank_account", "text", &v).hint(i18n::t(loc, "hint-bank-account"))),
        ]
        .into_iter()
        .flatten()
        .collect();
        let notes: Vec<Field> = o(&self.notes).map(|v| b.field("notes", "textarea", &v)).into_iter().collect();
        let basics = vec![
            b.field("name", "text", &self.name).required().auto("organization"),
            b.field("kind", "select", "").options(kinds),
            b.field("status", "select", "").options(statuses),
            b.field("industry", "text", &self.industry),
            b.field("tier", "text", &self.tier),
            b.field("tags", "text", &self.tags).hint(i18n::t(loc, "hint-tags")),
            b.field("source", "text", &self.source),
        ];
        let sections = [
            ("form-section-basics", basics),
            ("form-section-contact", contact),
            ("form-section-identity", identity),
            ("form-section-notes", notes),
        ]
        .into_iter()
        .filter(|(_, f)| !f.is_empty())
        .map(|(k, fields)| Section { legend: i18n::t(loc, k), fields })
        .collect();
        FormView { sections, summary: b.summary }
    }
}

/// A posted contact form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    pub name: String,
    pub title: String,
    pub email: String,
    pub mobile: String,
    pub phone: String,
    pub address: String,
    pub notes: String,
}

impl ContactForm {
    pub fn to_input(&self) -> ContactInput {
        ContactInput {
            name: some(&self.name),
            title: some(&self.title),
            email: some(&self.email),
            mobile: some(&self.mobile),
            phone: some(&self.phone),
            address: some(&self.address),
            notes: some(&self.notes),
        }
    }

    pub fn view(&self, loc: Locale, errors: &BTreeMap<String, String>) -> FormView {
        let mut b = Builder { loc, errors, prefix: "ct-", summary: Vec::new() };
        let fields = vec![
            b.field("name", "text", &self.name).required().auto("name"),
            b.field("title", "text", &self.title).auto("organization-title"),
            b.field("email", "email", &self.email).auto("email"),
            b.field("mobile", "tel", &self.mobile).auto("tel").hint(i18n::t(loc, "hint-mobile")),
            b.field("phone", "tel", &self.phone).auto("tel"),
            b.field("address", "textarea", &self.address).auto("street-address"),
            b.field("notes", "textarea", &self.notes),
        ];
        FormView { sections: vec![Section { legend: i18n::t(loc, "contact-add"), fields }], summary: b.summary }
    }
}

fn opt(value: &str, label: String, current: &str) -> Opt {
    Opt { value: value.to_string(), label, selected: value == current }
}

struct Builder<'a> {
    loc: Locale,
    errors: &'a BTreeMap<String, String>,
    prefix: &'static str,
    summary: Vec<(String, String, String)>,
}

impl Builder<'_> {
    fn field(&mut self, name: &'static str, input: &'static str, value: &str) -> Field {
        let label = i18n::t(self.loc, &format!("field-{name}"));
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
}

impl Field {
    fn required(mut self) -> Field {
        self.required = true;
        self
    }
    fn auto(mut self, a: &'static str) -> Field {
        self.autocomplete = a;
        self
    }
    fn options(mut self, o: Vec<Opt>) -> Field {
        self.options = o;
        self
    }
    fn hint(mut self, text: String) -> Field {
        self.hint = Some(text);
        self
    }
}

/// The message of each invalid field in `loc`: by error code (`err-<code>`, with the limit
/// of a length error as `$max`), else the domain's English message.
pub fn field_messages(loc: Locale, errors: &FieldErrors) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in &errors.0 {
        let key = format!("err-{}", e.code.replace('_', "-"));
        let msg = if i18n::has(Locale::En, &key) {
            let max: String =
                e.message.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
            i18n::t_args(loc, &key, &[("max", FluentValue::from(max))])
        } else {
            let mut m = e.message.clone();
            if let Some(first) = m.get(..1) {
                m.replace_range(..1, &first.to_uppercase());
            }
            m
        };
        out.entry(e.field.clone()).or_insert(msg);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_on_ascii_and_full_width_commas() {
        assert_eq!(split_tags("vip, 华东，重点、 ,"), vec!["vip", "华东", "重点"]);
        assert!(split_tags("  ").is_empty());
    }

    #[test]
    fn errors_are_translated_by_code_with_an_english_fallback() {
        let mut e = FieldErrors::new();
        e.push("name", "too_long", "must be at most 200 characters (got 201)");
        e.push("email", "invalid_email", "must be an e-mail address like name@example.com");
        e.push("x", "brand_new_code", "must be better");
        let zh = field_messages(Locale::ZhCn, &e);
        assert!(zh["name"].contains("200"), "{}", zh["name"]);
        assert_ne!(zh["email"], "must be an e-mail address like name@example.com");
        assert_eq!(zh["x"], "Must be better");
        let en = field_messages(Locale::En, &e);
        assert!(en["name"].contains("200"));
    }

    #[test]
    fn an_edit_sets_every_shown_field_and_keeps_owner_and_team() {
        let f = CustomerForm { name: "甲".into(), email: Some("".into()), tags: "a,b".into(), ..Default::default() };
        let c = f.to_changes();
        assert_eq!(c.email, Change::Clear);
        assert_eq!(c.national_id, Change::Keep, "not on the form: kept");
        assert_eq!(c.owner_id, Change::Keep);
        assert_eq!(c.tags, Some(vec!["a".to_string(), "b".to_string()]));
    }
}
