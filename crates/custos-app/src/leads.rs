//! Lead use cases: create, read, change, disqualify, delete and list, each authorised with
//! `lead.read` / `lead.write` and scoped like customers (a rep sees their own leads). A lead's
//! e-mail, mobile and notes are sealed with the lead's own data key, and e-mail and mobile get
//! the same blind indexes as customers' (so a lead can be matched against customers). It never
//! returns a value the actor's field rights withhold and never audits a value.

use crate::audit::Ev;
use crate::authz::visibility;
use crate::convert::{RowMeta, from_micros, parse_id};
use crate::lead_views::{DEFAULT_LEAD_SORT, LeadOut, LeadPage, LeadQuery, encode_cursor, lead_fields, lead_out};
use crate::sealing::FieldSealer;
use crate::vault::RecordKeys;
use crate::{Actor, App, AppError};
use custos_domain::sales::lead::Conversion;
use custos_domain::sales::{Lead, LeadChanges, LeadData, LeadInput, LeadSource, LeadStatus};
use custos_domain::{Email, FieldErrors, LeadId, Mobile, Permission};
use custos_store::{LeadRow, WriteTx};

impl App {
    pub(crate) fn lead_row(&self, keys: &RecordKeys, id: &LeadId, d: &LeadData, meta: RowMeta) -> LeadRow {
        let id_s = id.to_string();
        let s = FieldSealer { keys, vault: &self.vault, rng: self.rng.as_ref(), record_id: &id_s };
        LeadRow {
            id: id_s.clone(),
            name: d.name.clone(),
            company: d.company.clone(),
            title: d.title.clone(),
            source: d.source.as_str().into(),
            status: d.status.as_str().into(),
            owner_id: d.owner_id.map(|o| o.to_string()),
            team_id: d.team_id.map(|t| t.to_string()),
            email: s.indexed("email", d.email.as_ref().map(|e| (e.as_str(), e.normalized()))),
            mobile: s.indexed("mobile", d.mobile.as_ref().map(|m| (m.as_str(), m.as_str().to_string()))),
            notes: s.opt("notes", d.notes.as_deref()),
            disqualify_reason: d.disqualify_reason.clone(),
            customer_id: None,
            deal_id: None,
            converted_at: None,
            created_at: meta.created,
            updated_at: meta.updated,
            version: meta.version,
        }
    }

    /// Opens a stored lead. A stored value that no longer validates is reported as corrupt.
    pub(crate) fn lead_from_row(&self, keys: &RecordKeys, r: &LeadRow) -> Result<Lead, AppError> {
        let i = r.id.as_str();
        let s = FieldSealer { keys, vault: &self.vault, rng: self.rng.as_ref(), record_id: i };
        let corrupt = |f: &str| AppError::Internal(format!("stored field {f} of lead {i} does not validate"));
        let data = LeadData {
            name: r.name.clone(),
            company: r.company.clone(),
            title: r.title.clone(),
            source: LeadSource::parse(&r.source).map_err(|_| corrupt("source"))?,
            status: LeadStatus::parse(&r.status).map_err(|_| corrupt("status"))?,
            owner_id: r.owner_id.as_deref().map(|o| parse_id(o, "owner")).transpose()?,
            team_id: r.team_id.as_deref().map(|t| parse_id(t, "team")).transpose()?,
            email: s.open("email", &r.email.ct)?.map(|v| Email::parse(&v).map_err(|_| corrupt("email"))).transpose()?,
            mobile: s
                .open("mobile", &r.mobile.ct)?
                .map(|v| Mobile::parse(&v).map_err(|_| corrupt("mobile")))
                .transpose()?,
            notes: s.open("notes", &r.notes)?,
            disqualify_reason: r.disqualify_reason.clone(),
        };
        let conversion = match r.converted_at {
            Some(at) => Some(Conversion {
                customer_id: r.customer_id.as_deref().map(|c| parse_id(c, "customer")).transpose()?,
                deal_id: r.deal_id.as_deref().map(|d| parse_id(d, "deal")).transpose()?,
                at: from_micros(at)?,
            }),
            None => None,
        };
        Ok(Lead {
            id: parse_id(&r.id, "lead")?,
            data,
            conversion,
            created_at: from_micros(r.created_at)?,
            updated_at: from_micros(r.updated_at)?,
            version: r.version,
        })
    }

    /// The keys of a lead; a missing key means the lead was erased.
    pub(crate) async fn lead_keys(&self, id: &str, create: bool) -> Result<RecordKeys, AppError> {
        self.vault.keys_for(id, create).await.map_err(|e| match e {
            AppError::Erased(_) => AppError::Erased("lead"),
            other => other,
        })
    }

    /// Owner and team must exist (checked in the transaction; naming oneself needs no lookup).
    async fn check_lead_references(tx: &mut WriteTx, d: &LeadData, actor: &Actor) -> Result<(), AppError> {
        let mut e = FieldErrors::new();
        if let Some(o) = d.owner_id
            && Some(o) != actor.user_id()
            && !tx.user_exists(&o.to_string()).await?
        {
            e.push("owner_id", "unknown", "no user has this id");
        }
        if let Some(t) = d.team_id
            && !tx.team_exists(&t.to_string()).await?
        {
            e.push("team_id", "unknown", "no team has this id");
        }
        e.into_result(()).map_err(AppError::Invalid)
    }

    /// The stored row of a lead the actor may see, read in `tx`; else not found (an
    /// out-of-scope id answers exactly like an unknown one).
    pub(crate) async fn visible_lead_in(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        id: &LeadId,
    ) -> Result<LeadRow, AppError> {
        match tx.get_lead_visible(&id.to_string(), &visibility(actor)).await? {
            Some(r) => Ok(r),
            None => {
                self.audit_denied(actor, "lead.access", "lead", Some(&id.to_string()));
                Err(AppError::NotFound("lead"))
            }
        }
    }

    pub async fn create_lead(&self, actor: &Actor, input: &LeadInput) -> Result<LeadOut, AppError> {
        self.allow(actor, Permission::LeadWrite)?;
        let mut data = LeadData::validate(input)?;
        if data.owner_id.is_none() {
            data.owner_id = actor.user_id();
        }
        let id = LeadId(self.new_uuid());
        let ts = self.now_micros();
        // The lead's own data key first (key store), then the row; an orphan key is harmless.
        let keys = self.lead_keys(&id.to_string(), true).await?;
        let row = self.lead_row(&keys, &id, &data, RowMeta { created: ts, updated: ts, version: 1 });
        let mut tx = self.store.begin_write().await?;
        Self::check_lead_references(&mut tx, &data, actor).await?;
        tx.insert_lead(&row).await?;
        let ev = Ev::new("lead.create", "lead").record(id).fields(&lead_fields(None, &data));
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        let at = from_micros(ts)?;
        Ok(lead_out(actor, Lead { id, data, conversion: None, created_at: at, updated_at: at, version: 1 }))
    }

    pub async fn get_lead(&self, actor: &Actor, id: &str) -> Result<LeadOut, AppError> {
        let lead = self.read_lead(actor, id).await?;
        self.audit_read(actor, Ev::new("lead.read", "lead").record(lead.id));
        Ok(lead_out(actor, lead))
    }

    /// The plaintext lead after the permission and scope checks (crate-private).
    pub(crate) async fn read_lead(&self, actor: &Actor, id: &str) -> Result<Lead, AppError> {
        self.allow(actor, Permission::LeadRead)?;
        let id = id.parse::<LeadId>().map_err(|_| AppError::NotFound("lead"))?;
        let row = self
            .store
            .get_lead_visible(&id.to_string(), &visibility(actor))
            .await?
            .ok_or(AppError::NotFound("lead"))?;
        let keys = self.lead_keys(&row.id, false).await?;
        self.lead_from_row(&keys, &row)
    }

    /// Applies changes if the stored version is still `expected_version`.
    pub async fn update_lead(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        changes: &LeadChanges,
    ) -> Result<LeadOut, AppError> {
        self.allow(actor, Permission::LeadWrite)?;
        self.change_lead(actor, id, expected_version, "lead.update", |d| d.apply(changes)).await
    }

    /// Disqualifies a lead for a reason (required, at most 500 characters).
    pub async fn disqualify_lead(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        reason: Option<&str>,
    ) -> Result<LeadOut, AppError> {
        self.allow(actor, Permission::LeadWrite)?;
        self.change_lead(actor, id, expected_version, "lead.disqualify", |d| d.disqualify(reason)).await
    }

    /// Reads the lead in scope, checks the version, applies `change` and writes the result.
    async fn change_lead(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        action: &str,
        change: impl FnOnce(&LeadData) -> Result<LeadData, FieldErrors>,
    ) -> Result<LeadOut, AppError> {
        let id = id.parse::<LeadId>().map_err(|_| AppError::NotFound("lead"))?;
        if self.store.get_lead_visible(&id.to_string(), &visibility(actor)).await?.is_none() {
            self.audit_denied(actor, "lead.access", "lead", Some(&id.to_string()));
            return Err(AppError::NotFound("lead"));
        }
        // Keys first: a connection holding a write transaction never waits on another lookup.
        let keys = self.lead_keys(&id.to_string(), false).await?;
        let mut tx = self.store.begin_write().await?;
        let row = self.visible_lead_in(&mut tx, actor, &id).await?;
        if row.version != expected_version {
            return Err(AppError::Stale { current: row.version });
        }
        let current = self.lead_from_row(&keys, &row)?;
        if current.data.status == LeadStatus::Converted {
            return Err(AppError::Conflict("the lead was converted; it can no longer be changed".into()));
        }
        let data = change(&current.data)?;
        Self::check_lead_references(&mut tx, &data, actor).await?;
        if data == current.data {
            return Ok(lead_out(actor, current));
        }
        let ts = self.now_micros().max(row.updated_at);
        let version = row.version + 1;
        let new_row = self.lead_row(&keys, &id, &data, RowMeta { created: row.created_at, updated: ts, version });
        tx.update_lead(&new_row, expected_version).await?;
        let ev = Ev::new(action, "lead").record(id).fields(&lead_fields(Some(&current.data), &data));
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        Ok(lead_out(actor, Lead { data, updated_at: from_micros(ts)?, version, ..current }))
    }

    /// Deletes a lead and destroys its data key (crypto-shredding); with a version, only if
    /// it is still current. A deal made from it keeps existing without the link.
    pub async fn delete_lead(&self, actor: &Actor, id: &str, expected_version: Option<i64>) -> Result<(), AppError> {
        self.allow(actor, Permission::LeadWrite)?;
        let id = id.parse::<LeadId>().map_err(|_| AppError::NotFound("lead"))?;
        let mut tx = self.store.begin_write().await?;
        let row = self.visible_lead_in(&mut tx, actor, &id).await?;
        if let Some(v) = expected_version
            && v != row.version
        {
            return Err(AppError::Stale { current: row.version });
        }
        // The event first: if it cannot be appended, nothing is destroyed.
        self.audit(&mut tx, actor, Ev::new("lead.delete", "lead").record(&row.id)).await?;
        self.vault.destroy(&row.id).await?;
        tx.delete_lead(&row.id, Some(row.version)).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_leads(&self, actor: &Actor, q: &LeadQuery) -> Result<LeadPage, AppError> {
        self.allow(actor, Permission::LeadRead)?;
        let mut filter = self.lead_filter(q)?;
        filter.visible = Some(visibility(actor));
        let page = self.store.list_leads(&filter).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for r in &page.items {
            // A lead whose key was destroyed (rows restored from an old copy) is not listed.
            let keys = match self.lead_keys(&r.id, false).await {
                Err(AppError::Erased(_)) => continue,
                other => other?,
            };
            items.push(lead_out(actor, self.lead_from_row(&keys, r)?));
        }
        if !items.is_empty() {
            let ids = items.iter().map(|l| l.id.to_string()).collect();
            self.audit_read(actor, Ev::new("lead.list", "lead").ids(ids));
        }
        let sort_name = q.sort.as_deref().unwrap_or(DEFAULT_LEAD_SORT);
        Ok(LeadPage { items, next_cursor: page.next.map(|(k, id)| encode_cursor(sort_name, &k, &id)) })
    }
}
