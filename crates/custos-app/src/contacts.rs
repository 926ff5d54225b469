//! Contact use cases: the people at a customer. Authorised through the customer permissions,
//! since a contact is part of its customer's record.

use crate::audit::{Ev, contact_fields};
use crate::convert::{RowMeta, from_micros, parse_id};
use crate::sealing::FieldSealer;
use crate::vault::RecordKeys;
use crate::views::{ContactOut, contact_out};
use crate::{Actor, App, AppError};
use custos_domain::contact::ContactData;
use custos_domain::{Contact, ContactChanges, ContactId, ContactInput, CustomerId, Email, Mobile, Permission, Phone};
use custos_store::{ContactRow, WriteTx};

impl App {
    fn contact_row(
        &self,
        keys: &RecordKeys,
        id: &ContactId,
        customer: &CustomerId,
        d: &ContactData,
        meta: RowMeta,
    ) -> ContactRow {
        let id_s = id.to_string();
        let s = FieldSealer { keys, vault: &self.vault, rng: self.rng.as_ref(), record_id: &id_s };
        ContactRow {
            id: id_s.clone(),
            customer_id: customer.to_string(),
            name: d.name.clone(),
            title: d.title.clone(),
            email: s.indexed("email", d.email.as_ref().map(|e| (e.as_str(), e.normalized()))),
            mobile: s.indexed("mobile", d.mobile.as_ref().map(|m| (m.as_str(), m.as_str().to_string()))),
            phone: s.indexed("phone", d.phone.as_ref().map(|p| (p.as_str(), p.normalized()))),
            address: s.opt("address", d.address.as_deref()),
            notes: s.opt("notes", d.notes.as_deref()),
            created_at: meta.created,
            updated_at: meta.updated,
            version: meta.version,
        }
    }

    pub(crate) fn contact_from_row(&self, keys: &RecordKeys, r: &ContactRow) -> Result<Contact, AppError> {
        let i = r.id.as_str();
        let s = FieldSealer { keys, vault: &self.vault, rng: self.rng.as_ref(), record_id: i };
        let corrupt = |f: &str| AppError::Internal(format!("stored field {f} of contact {i} does not validate"));
        let data = ContactData {
            name: r.name.clone(),
            title: r.title.clone(),
            email: s.open("email", &r.email.ct)?.map(|v| Email::parse(&v).map_err(|_| corrupt("email"))).transpose()?,
            mobile: s
                .open("mobile", &r.mobile.ct)?
                .map(|v| Mobile::parse(&v).map_err(|_| corrupt("mobile")))
                .transpose()?,
            phone: s.open("phone", &r.phone.ct)?.map(|v| Phone::parse(&v).map_err(|_| corrupt("phone"))).transpose()?,
            address: s.open("address", &r.address)?,
            notes: s.open("notes", &r.notes)?,
        };
        Ok(Contact {
            id: parse_id(&r.id, "contact")?,
            customer_id: parse_id(&r.customer_id, "customer")?,
            data,
            created_at: from_micros(r.created_at)?,
            updated_at: from_micros(r.updated_at)?,
            version: r.version,
        })
    }

    /// The customer id behind a contact, if the actor may see that customer; else not found.
    async fn visible_contact(&self, actor: &Actor, id: &str) -> Result<(ContactId, ContactRow), AppError> {
        let id = id.parse::<ContactId>().map_err(|_| AppError::NotFound("contact"))?;
        let row = self.store.get_contact(&id.to_string()).await?.ok_or(AppError::NotFound("contact"))?;
        self.visible_customer(actor, &row.customer_id).await.map_err(|_| AppError::NotFound("contact"))?;
        Ok((id, row))
    }

    pub async fn create_contact(
        &self,
        actor: &Actor,
        customer_id: &str,
        input: &ContactInput,
    ) -> Result<ContactOut, AppError> {
        self.allow(actor, Permission::CustomerUpdate)?;
        let customer = customer_id.parse::<CustomerId>().map_err(|_| AppError::NotFound("customer"))?;
        self.visible_customer(actor, &customer.to_string()).await?;
        let data = ContactData::validate(input)?;
        // Keys first: a connection holding a write transaction never waits on another lookup.
        let keys = self.vault.keys_for(&customer.to_string(), false).await?;
        let mut tx = self.store.begin_write().await?;
        if tx.get_customer(&customer.to_string()).await?.is_none() {
            return Err(AppError::NotFound("customer"));
        }
        let c = self.create_contact_in(&mut tx, actor, &keys, customer, data).await?;
        tx.commit().await?;
        Ok(contact_out(actor, c))
    }

    /// Inserts a validated contact of `customer` (sealed with the customer's `keys`) and
    /// appends its `contact.create` event in `tx`; the caller checked the customer and commits.
    pub(crate) async fn create_contact_in(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        keys: &RecordKeys,
        customer: CustomerId,
        data: ContactData,
    ) -> Result<Contact, AppError> {
        let id = ContactId(self.new_uuid());
        let ts = self.now_micros();
        let row = self.contact_row(keys, &id, &customer, &data, RowMeta { created: ts, updated: ts, version: 1 });
        tx.insert_contact(&row).await?;
        let ev = Ev::new("contact.create", "contact").record(id).fields(&contact_fields(None, &data));
        self.audit(tx, actor, ev.ids(vec![customer.to_string()])).await?;
        Ok(Contact {
            id,
            customer_id: customer,
            data,
            created_at: from_micros(ts)?,
            updated_at: from_micros(ts)?,
            version: 1,
        })
    }

    pub async fn list_contacts(&self, actor: &Actor, customer_id: &str) -> Result<Vec<ContactOut>, AppError> {
        self.allow(actor, Permission::CustomerRead)?;
        let customer = customer_id.parse::<CustomerId>().map_err(|_| AppError::NotFound("customer"))?;
        self.visible_customer(actor, &customer.to_string()).await?;
        let rows = self.store.list_contacts(&customer.to_string()).await?;
        let keys = self.vault.keys_for(&customer.to_string(), false).await?;
        self.audit_read(actor, Ev::new("contact.list", "contact").ids(vec![customer.to_string()]));
        rows.iter().map(|r| self.contact_from_row(&keys, r).map(|c| contact_out(actor, c))).collect()
    }

    pub async fn get_contact(&self, actor: &Actor, id: &str) -> Result<ContactOut, AppError> {
        let c = self.read_contact(actor, id).await?;
        self.audit_read(actor, Ev::new("contact.read", "contact").record(c.id).ids(vec![c.customer_id.to_string()]));
        Ok(contact_out(actor, c))
    }

    /// The plaintext contact after permission and scope checks (crate-private).
    pub(crate) async fn read_contact(&self, actor: &Actor, id: &str) -> Result<Contact, AppError> {
        self.allow(actor, Permission::CustomerRead)?;
        let (_, row) = self.visible_contact(actor, id).await?;
        let keys = self.vault.keys_for(&row.customer_id, false).await?;
        self.contact_from_row(&keys, &row)
    }

    pub async fn update_contact(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        changes: &ContactChanges,
    ) -> Result<ContactOut, AppError> {
        self.allow(actor, Permission::CustomerUpdate)?;
        let (id, seen) = self.visible_contact(actor, id).await?;
        let keys = self.vault.keys_for(&seen.customer_id, false).await?;
        let mut tx = self.store.begin_write().await?;
        let row = tx.get_contact(&id.to_string()).await?.ok_or(AppError::NotFound("contact"))?;
        if row.version != expected_version {
            return Err(AppError::Stale { current: row.version });
        }
        let current = self.contact_from_row(&keys, &row)?;
        let data = current.data.apply(changes)?;
        if data == current.data {
            return Ok(contact_out(actor, current));
        }
        let ts = self.now_micros().max(row.updated_at);
        let meta = RowMeta { created: row.created_at, updated: ts, version: row.version + 1 };
        tx.update_contact(&self.contact_row(&keys, &id, &current.customer_id, &data, meta), expected_version).await?;
        let ev = Ev::new("contact.update", "contact").record(id).fields(&contact_fields(Some(&current.data), &data));
        self.audit(&mut tx, actor, ev.ids(vec![current.customer_id.to_string()])).await?;
        tx.commit().await?;
        Ok(contact_out(actor, Contact { data, updated_at: from_micros(ts)?, version: row.version + 1, ..current }))
    }

    pub async fn delete_contact(&self, actor: &Actor, id: &str, expected_version: Option<i64>) -> Result<(), AppError> {
        self.allow(actor, Permission::CustomerUpdate)?;
        let (id, _) = self.visible_contact(actor, id).await?;
        let mut tx = self.store.begin_write().await?;
        let row = tx.get_contact(&id.to_string()).await?.ok_or(AppError::NotFound("contact"))?;
        if let Some(v) = expected_version
            && v != row.version
        {
            return Err(AppError::Stale { current: row.version });
        }
        tx.delete_contact(&row.id, Some(row.version)).await?;
        let ev = Ev::new("contact.delete", "contact").record(&row.id).ids(vec![row.customer_id.clone()]);
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        Ok(())
    }
}
