//! Converting a lead: in ONE write transaction the lead becomes a customer (new, or an
//! existing one the actor can see), the lead's person becomes a contact of it, a deal may be
//! opened, and the lead is marked converted, with every audit event. Any failure rolls all of
//! it back. Before a new customer is made, customers the actor can see that share the lead's
//! e-mail or mobile, themselves or through a contact (blind-index match in the same
//! transaction, no decryption), are reported and nothing changes, unless the caller confirms.
//! The lead's sealed values are opened with the lead's key and sealed again under the
//! customer's key; plaintext never leaves memory.

use crate::audit::Ev;
use crate::authz::visibility;
use crate::convert::from_micros;
use crate::duplicates::MAX_DUPLICATES;
use crate::lead_views::{LeadOut, lead_out};
use crate::{Actor, App, AppError};
use custos_domain::contact::ContactData;
use custos_domain::customer::CustomerData;
use custos_domain::sales::lead::Conversion;
use custos_domain::sales::{DealInput, Lead, LeadStatus};
use custos_domain::{
    ContactId, ContactInput, CustomerId, CustomerInput, DealId, FieldErrors, LeadId, LifecycleStatus, Permission,
};
use custos_store::LeadRow;

/// The customer a conversion makes (when no existing one is named). Empty means the default:
/// the lead's company as an organisation, else the person.
#[derive(Debug, Clone, Default)]
pub struct ConvertCustomer {
    pub name: Option<String>,
    /// organization | person
    pub kind: Option<String>,
}

/// What a conversion should do.
#[derive(Debug, Clone, Default)]
pub struct ConvertLead {
    /// The lead's version the conversion is based on.
    pub expected_version: i64,
    /// The new customer (ignored when `customer_id` is given).
    pub customer: ConvertCustomer,
    /// Convert into this existing customer instead (how a duplicate is resolved).
    pub customer_id: Option<String>,
    /// Make the lead's person a contact of the customer (default true).
    pub create_contact: Option<bool>,
    /// Open a deal for the customer; its `customer_id` is set by the conversion.
    pub deal: Option<DealInput>,
    /// Convert even though customers with the same e-mail or mobile exist.
    pub confirm_duplicates: bool,
}

/// A visible customer that shares the lead's e-mail or mobile, itself or through one of its
/// contacts. The name is given only to an actor who may read customers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateCustomer {
    pub id: CustomerId,
    pub name: Option<String>,
}

/// What a conversion made.
#[derive(Debug, Clone)]
pub struct LeadConversion {
    pub lead: LeadOut,
    pub customer_id: CustomerId,
    /// False when the lead went into an existing customer.
    pub customer_created: bool,
    pub contact_id: Option<ContactId>,
    pub deal_id: Option<DealId>,
    /// Customers that shared the e-mail or mobile (converted anyway, confirmed).
    pub possible_duplicates: Vec<DuplicateCustomer>,
}

/// The answer of a conversion: done, or refused because of possible duplicates (nothing changed).
#[derive(Debug, Clone)]
pub enum ConvertOutcome {
    Converted(Box<LeadConversion>),
    PossibleDuplicates(Vec<DuplicateCustomer>),
}

/// The customer a conversion goes into.
enum Target {
    New(CustomerId, Box<CustomerData>),
    Existing(CustomerId),
}

/// Field errors of a part of the conversion, named `part.field` (e.g. `deal.amount`).
fn prefixed(part: &str, e: AppError) -> AppError {
    match e {
        AppError::Invalid(mut fe) => {
            for f in &mut fe.0 {
                f.field = format!("{part}.{}", f.field);
            }
            AppError::Invalid(fe)
        }
        other => other,
    }
}

impl App {
    /// Converts a lead (see the module documentation). Needs `lead.convert` and
    /// `customer.create`, plus `deal.write` for a deal and `customer.update` to add a contact
    /// to an existing customer.
    pub async fn convert_lead(&self, actor: &Actor, id: &str, input: &ConvertLead) -> Result<ConvertOutcome, AppError> {
        self.allow(actor, Permission::LeadConvert)?;
        self.allow(actor, Permission::CustomerCreate)?;
        if input.deal.is_some() {
            self.allow(actor, Permission::DealWrite)?;
        }
        let create_contact = input.create_contact.unwrap_or(true);
        if input.customer_id.is_some() && create_contact {
            self.allow(actor, Permission::CustomerUpdate)?;
        }
        let lead_id = id.parse::<LeadId>().map_err(|_| AppError::NotFound("lead"))?;
        let vis = visibility(actor);
        let Some(row) = self.store.get_lead_visible(&lead_id.to_string(), &vis).await? else {
            self.audit_denied(actor, "lead.access", "lead", Some(&lead_id.to_string()));
            return Err(AppError::NotFound("lead"));
        };
        if row.version != input.expected_version {
            return Err(AppError::Stale { current: row.version });
        }
        let lead_keys = self.lead_keys(&row.id, false).await?;
        let lead = self.lead_from_row(&lead_keys, &row)?;
        lead.data.convertible().map_err(|e| AppError::Conflict(e.message))?;
        let target = self.conversion_target(actor, &lead, input).await?;
        let contact = if create_contact { Some(Self::lead_contact(&lead)?) } else { None };
        // Keys first (the key store is another database): a connection holding the write
        // transaction never waits on another lookup. A new customer's key left behind by a
        // rollback is harmless.
        let (customer_id, create) = match &target {
            Target::New(cid, _) => (*cid, true),
            Target::Existing(cid) => (*cid, false),
        };
        let keys = self.vault.keys_for(&customer_id.to_string(), create).await?;
        let ts = self.now_micros().max(row.updated_at);
        let mut tx = self.store.begin_write().await?;
        let current = self.visible_lead_in(&mut tx, actor, &lead_id).await?;
        if current.version != input.expected_version {
            return Err(AppError::Stale { current: current.version });
        }
        // Checked in the transaction that creates the customer, so a customer (or contact)
        // written before it commits is seen (exactly so on SQLite, whose writers queue).
        let duplicates = match &target {
            Target::New(..) => self.lead_duplicates_in(&mut tx, actor, &current).await?,
            Target::Existing(_) => Vec::new(),
        };
        if !duplicates.is_empty() && !input.confirm_duplicates {
            drop(tx);
            if create {
                // Nothing is kept of a refused conversion: not even the new customer's key,
                // which no row names (the transaction that could have was rolled back).
                if let Err(e) = self.vault.destroy(&customer_id.to_string()).await {
                    tracing::warn!(error = %e, "could not remove the unused key of a refused conversion");
                }
            }
            return Ok(ConvertOutcome::PossibleDuplicates(duplicates));
        }
        let customer_created = match target {
            Target::New(cid, data) => {
                self.create_customer_in(&mut tx, actor, &keys, cid, *data, ts)
                    .await
                    .map_err(|e| prefixed("customer", e))?;
                true
            }
            Target::Existing(cid) => {
                if !tx.customer_visible(&cid.to_string(), &vis).await? {
                    return Err(AppError::NotFound("customer"));
                }
                false
            }
        };
        let contact_id = match contact {
            Some(data) => Some(
                self.create_contact_in(&mut tx, actor, &keys, customer_id, data)
                    .await
                    .map_err(|e| prefixed("contact", e))?
                    .id,
            ),
            None => None,
        };
        let deal_id = match &input.deal {
            Some(d) => Some(self.conversion_deal_in(&mut tx, actor, &lead, customer_id, d).await?),
            None => None,
        };
        let (cid_s, did_s) = (customer_id.to_string(), deal_id.map(|d| d.to_string()));
        tx.mark_lead_converted(&row.id, input.expected_version, &cid_s, did_s.as_deref(), ts).await?;
        // `ids` names the customer only (the audit subject index reads it as customers); the
        // contact and the deal have their own events in this transaction.
        let ids = vec![cid_s];
        let fields: &[&str] =
            if deal_id.is_some() { &["status", "customer_id", "deal_id"] } else { &["status", "customer_id"] };
        let ev = Ev::new("lead.convert", "lead").record(lead_id).fields(fields);
        self.audit(&mut tx, actor, ev.ids(ids)).await?;
        tx.commit().await?;
        let at = from_micros(ts)?;
        let converted = Lead {
            data: custos_domain::sales::LeadData { status: LeadStatus::Converted, ..lead.data },
            conversion: Some(Conversion { customer_id: Some(customer_id), deal_id, at }),
            updated_at: at,
            version: current.version + 1,
            ..lead
        };
        Ok(ConvertOutcome::Converted(Box::new(LeadConversion {
            lead: lead_out(actor, converted),
            customer_id,
            customer_created,
            contact_id,
            deal_id,
            possible_duplicates: duplicates,
        })))
    }

    /// The existing customer named by the input (visible to the actor), or the validated new one.
    async fn conversion_target(&self, actor: &Actor, lead: &Lead, input: &ConvertLead) -> Result<Target, AppError> {
        let d = &lead.data;
        if let Some(raw) = &input.customer_id {
            if input.customer.name.is_some() || input.customer.kind.is_some() {
                return Err(AppError::invalid(
                    "customer_id",
                    "conflict",
                    "give either a new customer or an existing customer_id, not both",
                ));
            }
            let cid = raw
                .trim()
                .parse::<CustomerId>()
                .map_err(|_| AppError::invalid("customer_id", "invalid_id", "must be a customer id (UUID)"))?;
            self.visible_customer(actor, &cid.to_string()).await?;
            return Ok(Target::Existing(cid));
        }
        let (default_name, default_kind) = d.default_customer();
        let name = input.customer.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or(default_name);
        let kind = input.customer.kind.clone().filter(|k| !k.trim().is_empty());
        let kind = kind.unwrap_or_else(|| default_kind.as_str().to_string());
        // A person customer is the lead's person: their contact details go on the customer too.
        let person = kind.trim() == custos_domain::CustomerKind::Person.as_str();
        let customer = CustomerInput {
            name: Some(name),
            kind: Some(kind),
            status: Some(LifecycleStatus::Prospect.as_str().into()),
            owner_id: d.owner_id.or(actor.user_id()).map(|o| o.to_string()),
            team_id: d.team_id.map(|t| t.to_string()),
            source: Some(d.source.as_str().into()),
            email: d.email.as_ref().filter(|_| person).map(|e| e.as_str().to_string()),
            mobile: d.mobile.as_ref().filter(|_| person).map(|m| m.as_str().to_string()),
            ..CustomerInput::default()
        };
        let data = CustomerData::validate(&customer, self.now().date())
            .map_err(|e| prefixed("customer", AppError::Invalid(e)))?;
        Ok(Target::New(CustomerId(self.new_uuid()), Box::new(data)))
    }

    /// The lead's person as a contact: name, job title, e-mail, mobile and notes.
    fn lead_contact(lead: &Lead) -> Result<ContactData, AppError> {
        let d = &lead.data;
        let input = ContactInput {
            name: Some(d.name.clone()),
            title: d.title.clone(),
            email: d.email.as_ref().map(|e| e.as_str().to_string()),
            mobile: d.mobile.as_ref().map(|m| m.as_str().to_string()),
            phone: None,
            address: None,
            notes: d.notes.clone(),
        };
        ContactData::validate(&input).map_err(|e: FieldErrors| prefixed("contact", AppError::Invalid(e)))
    }

    /// Customers the actor can see whose e-mail or mobile blind index, or one of whose
    /// contacts', equals the lead's; read through `tx`, each customer once.
    async fn lead_duplicates_in(
        &self,
        tx: &mut custos_store::WriteTx,
        actor: &Actor,
        row: &LeadRow,
    ) -> Result<Vec<DuplicateCustomer>, AppError> {
        let (email, mobile) = (row.email.bidx.as_deref(), row.mobile.bidx.as_deref());
        let found = tx.customers_matching_person(email, mobile, MAX_DUPLICATES, &visibility(actor)).await?;
        let may_read = actor.grants(Permission::CustomerRead);
        Ok(found
            .into_iter()
            .filter_map(|c| {
                let id = c.id.parse::<CustomerId>().ok()?;
                Some(DuplicateCustomer { id, name: may_read.then_some(c.name) })
            })
            .collect())
    }

    /// Opens the conversion's deal for `customer` in `tx` through the deals use case, linked
    /// to the lead and owned by the lead's owner unless the input names one.
    async fn conversion_deal_in(
        &self,
        tx: &mut custos_store::WriteTx,
        actor: &Actor,
        lead: &Lead,
        customer: CustomerId,
        deal: &DealInput,
    ) -> Result<DealId, AppError> {
        let mut input = DealInput { customer_id: Some(customer.to_string()), ..deal.clone() };
        if input.owner_id.is_none() {
            input.owner_id = lead.data.owner_id.or(actor.user_id()).map(|o| o.to_string());
        }
        let out = self.create_deal_in(tx, actor, &input, Some(lead.id)).await.map_err(|e| prefixed("deal", e))?;
        Ok(out.id)
    }
}
