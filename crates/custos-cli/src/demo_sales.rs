//! Replays the demo company's planned year (`custos_demo::sales`) through the ordinary use
//! cases as the local operator, with a replay clock set to each step's time, so that stage
//! history, close dates, activities and audit events carry realistic past timestamps.
//! It never writes to the store directly and never invents data the plan does not hold.

use crate::error::CliError;
use custos_app::lead_convert::{ConvertLead, ConvertOutcome};
use custos_app::{Actor, App};
use custos_demo::DemoCompany;
use custos_demo::sales::{Action, DemoActivity, DemoDeal, Step, Subject};
use custos_domain::sales::activity::ActivityInput;
use custos_domain::sales::deal::DealInput;
use custos_domain::sales::lead::{LeadChanges, LeadInput};
use custos_domain::sales::quota::QuotaInput;
use custos_domain::{Clock, CustomerId, TeamId, UserId};
use std::collections::HashMap;
use std::sync::Mutex;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The wall clock, except while the demo replays its year: then the time of the step.
#[derive(Default)]
pub struct ReplayClock {
    at: Mutex<Option<OffsetDateTime>>,
}

impl ReplayClock {
    /// Sets the time every use case sees (`None` returns to the wall clock).
    pub fn set(&self, at: Option<OffsetDateTime>) {
        *self.at.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

impl Clock for ReplayClock {
    fn now(&self) -> OffsetDateTime {
        self.at.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or_else(OffsetDateTime::now_utc)
    }
}

/// Ids handed out while replaying, by the plan's indexes and keys.
struct Ids<'a> {
    company: &'a DemoCompany,
    users: &'a [UserId],
    teams: &'a [TeamId],
    customers: HashMap<usize, CustomerId>,
    leads: HashMap<usize, (String, i64)>,
    /// Deal key → (id, version).
    deals: HashMap<usize, (String, i64)>,
    /// Stage ids of the default pipeline, in order.
    stages: Vec<String>,
}

fn missing(what: &str) -> CliError {
    CliError(format!("demo plan refers to a {what} that was not created"))
}

impl Ids<'_> {
    fn user(&self, i: usize) -> Option<String> {
        self.users.get(i).map(|u| u.to_string())
    }

    fn deal(&self, key: usize) -> Result<(String, i64), CliError> {
        self.deals.get(&key).cloned().ok_or_else(|| missing("deal"))
    }

    fn lead(&self, key: usize) -> Result<(String, i64), CliError> {
        self.leads.get(&key).cloned().ok_or_else(|| missing("lead"))
    }

    fn deal_input(&self, d: &DemoDeal) -> Result<DealInput, CliError> {
        let customer = match d.customer {
            Some(c) => Some(self.customers.get(&c).ok_or_else(|| missing("customer"))?.to_string()),
            None => None,
        };
        Ok(DealInput {
            title: Some(d.title.clone()),
            customer_id: customer,
            amount: Some(d.amount.clone()),
            currency: Some(d.currency.to_string()),
            expected_close: Some(d.expected_close.to_string()),
            owner_id: self.user(d.owner),
            ..DealInput::default()
        })
    }

    fn activity_input(&self, a: &DemoActivity) -> Result<ActivityInput, CliError> {
        let mut input = ActivityInput {
            kind: Some(a.kind.to_string()),
            subject: Some(a.subject.clone()),
            body: a.body.clone(),
            owner_id: self.user(a.owner),
            due_at: a
                .due
                .map(|d| d.format(&Rfc3339))
                .transpose()
                .map_err(|e| CliError(format!("demo task date: {e}")))?,
            done: a.due.map(|_| a.done),
            ..ActivityInput::default()
        };
        match a.about {
            Subject::Customer(c) => {
                input.customer_id = Some(self.customers.get(&c).ok_or_else(|| missing("customer"))?.to_string())
            }
            Subject::Deal(k) => input.deal_id = Some(self.deal(k)?.0),
            Subject::Lead(k) => input.lead_id = Some(self.lead(k)?.0),
        }
        Ok(input)
    }
}

/// Replays `steps` in order. Customers are created from `company.customers` with their
/// owners and teams resolved to the given ids.
pub async fn replay(
    app: &App,
    clock: &ReplayClock,
    company: &DemoCompany,
    users: &[UserId],
    teams: &[TeamId],
    steps: &[Step],
) -> Result<(), CliError> {
    let op = Actor::operator();
    let pipeline = app.list_pipelines(&op).await?.into_iter().next().ok_or_else(|| missing("pipeline"))?;
    let stages = pipeline.stages.iter().map(|s| s.id.to_string()).collect();
    let mut ids =
        Ids { company, users, teams, customers: HashMap::new(), leads: HashMap::new(), deals: HashMap::new(), stages };
    for step in steps {
        clock.set(Some(step.at));
        apply(app, &op, &mut ids, &step.action).await?;
    }
    clock.set(None);
    Ok(())
}

async fn apply(app: &App, op: &Actor, ids: &mut Ids<'_>, action: &Action) -> Result<(), CliError> {
    match action {
        Action::Customer(i) => {
            let c = ids.company.customers.get(*i).ok_or_else(|| missing("customer"))?;
            let mut input = c.input.clone();
            input.owner_id = c.owner.and_then(|u| ids.user(u));
            input.team_id = c.team.and_then(|t| ids.teams.get(t)).map(|t| t.to_string());
            let created = app.create_customer(op, &input).await?;
            for contact in &c.contacts {
                app.create_contact(op, &created.id.to_string(), contact).await?;
            }
            ids.customers.insert(*i, created.id);
        }
        Action::Lead(l) => {
            let input = LeadInput {
                name: Some(l.name.clone()),
                company: l.company.clone(),
                title: l.title.clone(),
                source: Some(l.source.to_string()),
                owner_id: ids.user(l.owner),
                email: l.email.clone(),
                mobile: l.mobile.clone(),
                ..LeadInput::default()
            };
            let lead = app.create_lead(op, &input).await?;
            ids.leads.insert(l.key, (lead.id.to_string(), lead.version));
        }
        Action::LeadStatus { lead, status } => {
            let (id, version) = ids.lead(*lead)?;
            let changes = LeadChanges { status: Some((*status).to_string()), ..LeadChanges::default() };
            let out = app.update_lead(op, &id, version, &changes).await?;
            ids.leads.insert(*lead, (id, out.version));
        }
        Action::Disqualify { lead, reason } => {
            let (id, version) = ids.lead(*lead)?;
            let out = app.disqualify_lead(op, &id, version, Some(reason)).await?;
            ids.leads.insert(*lead, (id, out.version));
        }
        Action::Convert { lead, deal } => {
            let (id, version) = ids.lead(*lead)?;
            let input = ConvertLead {
                expected_version: version,
                deal: Some(ids.deal_input(deal)?),
                // Demo leads have their own e-mails and mobiles; a match would be a real one.
                confirm_duplicates: true,
                ..ConvertLead::default()
            };
            match app.convert_lead(op, &id, &input).await? {
                ConvertOutcome::Converted(c) => {
                    let deal_id = c.deal_id.ok_or_else(|| missing("converted deal"))?;
                    let d = app.get_deal(op, &deal_id.to_string()).await?;
                    ids.leads.insert(*lead, (id, c.lead.version));
                    ids.deals.insert(deal.key, (deal_id.to_string(), d.version));
                }
                ConvertOutcome::PossibleDuplicates(_) => return Err(missing("confirmed conversion")),
            }
        }
        Action::Deal(d) => {
            let out = app.create_deal(op, &ids.deal_input(d)?).await?;
            ids.deals.insert(d.key, (out.id.to_string(), out.version));
        }
        Action::Move { deal, stage } => {
            let (id, version) = ids.deal(*deal)?;
            let stage_id = ids.stages.get(*stage).cloned().ok_or_else(|| missing("stage"))?;
            let out = app.move_deal(op, &id, &stage_id, version).await?;
            ids.deals.insert(*deal, (id, out.version));
        }
        Action::Won { deal } => {
            let (id, version) = ids.deal(*deal)?;
            let out = app.win_deal(op, &id, version).await?;
            ids.deals.insert(*deal, (id, out.version));
        }
        Action::Lost { deal, reason } => {
            let (id, version) = ids.deal(*deal)?;
            let out = app.lose_deal(op, &id, version, Some(reason)).await?;
            ids.deals.insert(*deal, (id, out.version));
        }
        Action::Activity(a) => {
            app.create_activity(op, &ids.activity_input(a)?).await?;
        }
        Action::Quota { user, period, amount, currency } => {
            let input = QuotaInput {
                user_id: ids.user(*user),
                period: Some(period.clone()),
                amount: Some(amount.clone()),
                currency: Some((*currency).to_string()),
                ..QuotaInput::default()
            };
            app.set_quota(op, &input).await?;
        }
    }
    Ok(())
}
