//! What the templates see: the page chrome (`Layout`), the template structs, and error pages.
//! Values reach the HTML only through askama's escaping; nothing here marks text as safe.
//! It never calls a use case.

use super::assets;
use super::i18n::{self, Locale};
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use custos_app::AppError;
use fluent_bundle::FluentValue;

/// The chrome every page shares: language, title, the signed-in user, the CSRF token.
pub struct Layout {
    pub loc: Locale,
    pub title: String,
    /// CSRF token for the forms on the page (session-bound, or the pre-sign-in token); empty
    /// on pages that have no forms.
    pub csrf: String,
    /// Who is signed in (display name or e-mail); `None` on public pages.
    pub user: Option<String>,
    /// Top-level section for the navigation's `aria-current`.
    pub section: &'static str,
    /// Where the language switch returns to (a local path).
    pub back: String,
    /// Show the admin links for users and teams (the viewer holds user.read).
    pub nav_users: bool,
    /// Show the admin link for roles (the viewer holds role.manage).
    pub nav_roles: bool,
    /// Show the leads link (the viewer holds lead.read).
    pub nav_leads: bool,
    /// Show the pipeline board and deal list links (the viewer holds deal.read).
    pub nav_deals: bool,
    /// Show the tasks link (the viewer holds activity.read).
    pub nav_tasks: bool,
    /// Show the team link (the viewer holds quota.read).
    pub nav_team: bool,
    /// Show the dashboard link (the viewer holds report.read).
    pub nav_dashboard: bool,
}

impl Layout {
    pub fn new(loc: Locale, title_key: &str, csrf: &str, user: Option<String>, section: &'static str) -> Layout {
        Layout {
            loc,
            title: i18n::t(loc, title_key),
            csrf: csrf.to_string(),
            user,
            section,
            back: "/".into(),
            nav_users: false,
            nav_roles: false,
            nav_leads: false,
            nav_deals: false,
            nav_tasks: false,
            nav_team: false,
            nav_dashboard: false,
        }
    }

    pub fn back(mut self, path: impl Into<String>) -> Layout {
        self.back = path.into();
        self
    }

    /// A translated message.
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.loc, key)
    }

    /// A translated message with one string argument.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        i18n::t_args(self.loc, key, &[(name, FluentValue::from(value))])
    }

    pub fn lang(&self) -> &'static str {
        self.loc.tag()
    }

    pub fn asset(&self, name: &str) -> &'static str {
        assets::url(name)
    }

    /// The JSON of `hx-headers`: htmx sends the CSRF token with every request it makes.
    pub fn hx_headers(&self) -> String {
        format!("{{\"{}\": \"{}\"}}", super::csrf::HEADER, self.csrf)
    }

    /// The languages for the switcher: (tag, native name, is current).
    pub fn locales(&self) -> Vec<(&'static str, &'static str, bool)> {
        Locale::ALL.iter().map(|l| (l.tag(), l.native_name(), *l == self.loc)).collect()
    }
}

/// One choice of a `<select>`.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One input of a form, with its current value and error.
pub struct Field {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    /// `text`, `email`, `tel`, `date`, `textarea` or `select`.
    pub input: &'static str,
    pub required: bool,
    pub autocomplete: &'static str,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub options: Vec<Opt>,
    /// Prefix of the element id, so two forms on one page do not collide.
    pub id_prefix: &'static str,
}

impl Field {
    pub fn id(&self) -> String {
        format!("{}{}", self.id_prefix, self.name)
    }

    /// The ids that describe the input (hint and error), for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut v = Vec::new();
        if self.hint.is_some() {
            v.push(format!("{}-hint", self.id()));
        }
        if self.error.is_some() {
            v.push(format!("{}-error", self.id()));
        }
        v.join(" ")
    }
}

/// A group of fields under a legend.
pub struct Section {
    pub legend: String,
    pub fields: Vec<Field>,
}

/// A whole form: its sections and the list of errors shown above it.
pub struct FormView {
    pub sections: Vec<Section>,
    /// (input id, label, message) of every invalid field.
    pub summary: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub l: Layout,
    pub email: String,
    pub error: Option<String>,
}

/// A row of the customer list.
pub struct Row {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub status: &'static str,
    pub status_label: String,
    pub tags: Vec<String>,
    pub updated: String,
}

/// The customer list's filters and current page.
pub struct ListView {
    pub q: String,
    pub tag: String,
    pub statuses: Vec<Opt>,
    pub sorts: Vec<Opt>,
    pub rows: Vec<Row>,
    pub shown: String,
    pub next_url: Option<String>,
    pub first_url: Option<String>,
    pub errors: Vec<String>,
    pub filtered: bool,
}

#[derive(Template)]
#[template(path = "customers.html")]
pub struct CustomersPage {
    pub l: Layout,
    pub list: ListView,
}

#[derive(Template)]
#[template(path = "customers_results.html")]
pub struct CustomersResults {
    pub l: Layout,
    pub list: ListView,
}

/// A label and a formatted value of the customer page.
pub struct Detail {
    pub label: String,
    pub value: String,
    pub multiline: bool,
    /// The field name of a sensitive field (its `<dd>` gets the id `f-{field}`), else empty.
    pub field: &'static str,
    /// Shown masked (a reveal may replace it).
    pub masked: bool,
}

/// A contact as shown on the customer page.
pub struct ContactView {
    pub name: String,
    pub title: String,
    pub details: Vec<Detail>,
}

#[derive(Template)]
#[template(path = "customer.html")]
pub struct CustomerPage {
    pub l: Layout,
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub status_label: String,
    pub kind: String,
    pub tags: Vec<String>,
    pub details: Vec<Detail>,
    pub meta: String,
    pub contacts: Vec<ContactView>,
    pub contact_form: FormView,
    /// The reveal panel (empty when nothing is revealable).
    pub panel: super::reveal::Panel,
    /// The activities of the customer and the form to log one (`_timeline.html`).
    pub timeline: super::activity_forms::TimelineSection,
}

#[derive(Template)]
#[template(path = "customer_form.html")]
pub struct CustomerFormPage {
    pub l: Layout,
    pub heading: String,
    pub action: String,
    pub cancel: String,
    pub form: FormView,
    pub version: Option<i64>,
    pub banner: Option<String>,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub l: Layout,
    pub heading: String,
    pub message: String,
}

/// Renders a template into a response; a template error becomes a bare 500 (it is a bug).
pub fn render(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A full error page with a status, a heading and an explanation from the message files.
pub fn status_page(loc: Locale, status: StatusCode, key: &str) -> Response {
    let l = Layout::new(loc, key, "", None, "");
    let page = ErrorPage { heading: l.t(key), message: l.t(&format!("{key}-detail")), l };
    render(status, &page)
}

/// The page for a refused CSRF token.
pub fn csrf_failure(loc: Locale) -> Response {
    status_page(loc, StatusCode::FORBIDDEN, "error-csrf")
}

/// The page for a use-case error (validation errors are shown in their forms instead).
pub fn error_page(loc: Locale, e: &AppError) -> Response {
    let (status, key) = match e {
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, "error-not-found"),
        AppError::Forbidden => (StatusCode::FORBIDDEN, "error-forbidden"),
        AppError::Stale { .. } => (StatusCode::CONFLICT, "error-stale"),
        AppError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "error-busy"),
        AppError::Unauthenticated | AppError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "error-signed-out"),
        AppError::Invalid(_) | AppError::VersionRequired => (StatusCode::BAD_REQUEST, "error-bad-request"),
        AppError::Conflict(_) => (StatusCode::CONFLICT, "error-conflict"),
        AppError::Erased(_) => (StatusCode::GONE, "error-erased"),
        AppError::TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "error-too-many"),
        AppError::Internal(detail) => {
            tracing::error!(detail = %detail, "internal error on a page");
            (StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        AppError::StepUpRequired => (StatusCode::FORBIDDEN, "error-step-up"),
    };
    let mut r = status_page(loc, status, key);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    r
}

/// Standard base64 (RFC 4648, with padding), for `data:` URIs of server-rendered images.
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases =
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")];
        for (plain, enc) in cases {
            assert_eq!(super::base64(plain.as_bytes()), enc);
        }
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
