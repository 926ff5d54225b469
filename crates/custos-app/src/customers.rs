//! Customer use cases: create, get, update, delete and list, each authorised, with sensitive
//! fields sealed on the way in and opened on the way out.

use crate::audit::Ev;
use crate::authz::visibility;
use crate::convert::{RowMeta, from_micros, parse_id, to_micros};
use crate::sealing::FieldSealer;
use crate::vault::RecordKeys;
use crate::views::{CustomerOut, customer_out};
use crate::{Actor, App, AppError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use custos_domain::customer::CustomerData;
use custos_domain::{
    BankCard, Birthday, CnResidentId, Customer, CustomerChanges, CustomerId, CustomerInput, CustomerKind, Email,
    FieldErrors, LifecycleStatus, Mobile, Permission, Phone,
};
use custos_store::{CustomerFilter, CustomerRow, CustomerSort, SortKey, WriteTx};

/// Filters, sort and paging of a customer list, as raw strings from the caller.
#[derive(Debug, Clone, Default)]
pub struct CustomerQuery {
    pub status: Option<String>,
    pub owner: Option<String>,
    pub tag: Option<String>,
    pub q: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// One page of customers and the cursor for the next, if any.
#[derive(Debug, Clone)]
pub struct CustomerPage {
    pub items: Vec<CustomerOut>,
    pub next_cursor: Option<String>,
}

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;

const SORTS: [(&str, CustomerSort); 6] = [
    ("name", CustomerSort::NameAsc),
    ("-name", CustomerSort::NameDesc),
    ("created_at", CustomerSort::CreatedAsc),
    ("-created_at", CustomerSort::CreatedDesc),
    ("updated_at", CustomerSort::UpdatedAsc),
    ("-updated_at", CustomerSort::UpdatedDesc),
];

impl App {
    fn customer_row(&self, keys: &RecordKeys, id: &CustomerId, d: &CustomerData, meta: RowMeta) -> CustomerRow {
        let id_s = id.to_string();
        let s = FieldSealer { keys, vault: &self.vault, rng: self.rng.as_ref(), record_id: &id_s };
        CustomerRow {
            id: id_s.clone(),
            name: d.name.clone(),
            kind: d.kind.as_str().into(),
            industry: d.industry.clone(),
            tier: d.tier.clone(),
            status: d.status.as_str().into(),
            owner_id: d.owner_id.map(|o| o.to_string()),
            team_id: d.team_id.map(|t| t.to_string()),
            tags: d.tags.clone(),
            source: d.source.clone(),
            email: s.indexed("email", d.email.as_ref().map(|e| (e.as_str(), e.normalized()))),
            mobile: s.indexed("mobile", d.mobile.as_ref().map(|m| (m.as_str(), m.as_str().to_string()))),
            phone: s.indexed("phone", d.phone.as_ref().map(|p| (p.as_str(), p.normalized()))),
            address: s.opt("address", d.address.as_deref()),
            birthday: s.opt("birthday", d.birthday.map(|b| b.to_iso()).as_deref()),
            national_id: s.indexed("national_id", d.national_id.as_ref().map(|n| (n.as_str(), n.as_str().to_string()))),
            bank_account: s
                .indexed("bank_account", d.bank_account.as_ref().map(|b| (b.as_str(), b.as_str().to_string()))),
            notes: s.opt("notes", d.notes.as_deref()),
            created_at: meta.created,
            updated_at: meta.updated,
            version: meta.version,
        }
    }

    /// Opens a stored row into a domain customer. Stored values were validated on the way
    /// in; one that no longer parses is reported as corrupt rather than shown.
    pub(crate) fn customer_from_row(&self, keys: &RecordKeys, r: &CustomerRow) -> Result<Customer, AppError> {
        let i = r.id.as_str();
        let s = FieldSealer { keys, vault: &self.vault, rng: self.rng.as_ref(), record_id: i };
        let corrupt = |f: &str| AppError::Internal(format!("stored field {f} of customer {i} does not validate"));
        let today = self.now().date();
        let email =
            s.open("email", &r.email.ct)?.map(|v| Email::parse(&v).map_err(|_| corrupt("email"))).transpose()?;
        let mobile =
            s.open("mobile", &r.mobile.ct)?.map(|v| Mobile::parse(&v).map_err(|_| corrupt("mobile"))).transpose()?;
        let phone =
            s.open("phone", &r.phone.ct)?.map(|v| Phone::parse(&v).map_err(|_| corrupt("phone"))).transpose()?;
        let birthday = s
            .open("birthday", &r.birthday)?
            .map(|v| Birthday::parse(&v, today).map_err(|_| corrupt("birthday")))
            .transpose()?;
        let national_id = s
            .open("national_id", &r.national_id.ct)?
            .map(|v| CnResidentId::parse(&v).map_err(|_| corrupt("national_id")))
            .transpose()?;
        let bank_account = s
            .open("bank_account", &r.bank_account.ct)?
            .map(|v| BankCard::parse(&v).map_err(|_| corrupt("bank_account")))
            .transpose()?;
        let data = CustomerData {
            name: r.name.clone(),
            kind: CustomerKind::parse(&r.kind).map_err(|_| corrupt("kind"))?,
            industry: r.industry.clone(),
            tier: r.tier.clone(),
            status: LifecycleStatus::parse(&r.status).map_err(|_| corrupt("status"))?,
            owner_id: r.owner_id.as_deref().map(|o| parse_id(o, "owner")).transpose()?,
            team_id: r.team_id.as_deref().map(|t| parse_id(t, "team")).transpose()?,
            tags: r.tags.clone(),
            source: r.source.clone(),
            email,
            mobile,
            phone,
            address: s.open("address", &r.address)?,
            birthday,
            national_id,
            bank_account,
            notes: s.open("notes", &r.notes)?,
        };
        Ok(Customer {
            id: parse_id(&r.id, "customer")?,
            data,
            created_at: from_micros(r.created_at)?,
            updated_at: from_micros(r.updated_at)?,
            version: r.version,
        })
    }

    /// Owner and team must exist. Checked inside the write transaction: a connection that
    /// holds a transaction must never wait for another one from the same pool.
    /// The acting user was just authenticated, so naming oneself as owner needs no lookup.
    async fn check_references(tx: &mut WriteTx, d: &CustomerData, actor: &Actor) -> Result<(), AppError> {
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

    pub async fn create_customer(&self, actor: &Actor, input: &CustomerInput) -> Result<CustomerOut, AppError> {
        self.allow(actor, Permission::CustomerCreate)?;
        let now = self.now();
        let mut data = CustomerData::validate(input, now.date())?;
        if data.owner_id.is_none() {
            data.owner_id = actor.user_id();
        }
        let id = CustomerId(self.new_uuid());
        let ts = to_micros(now);
        let keys = self.vault.keys_for(&id.to_string(), true).await?;
        let mut tx = self.store.begin_write().await?;
        let c = self.create_customer_in(&mut tx, actor, &keys, id, data, ts).await?;
        tx.commit().await?;
        Ok(customer_out(actor, c))
    }

    /// Inserts a validated customer (sealed with `keys`, its own data key) and appends its
    /// `customer.create` event in `tx`; the caller commits. Shared by create and lead conversion.
    pub(crate) async fn create_customer_in(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        keys: &RecordKeys,
        id: CustomerId,
        data: CustomerData,
        ts: i64,
    ) -> Result<Customer, AppError> {
        let row = self.customer_row(keys, &id, &data, RowMeta { created: ts, updated: ts, version: 1 });
        Self::check_references(tx, &data, actor).await?;
        tx.insert_customer(&row).await?;
        let fields = crate::audit::customer_fields(None, &data);
        self.audit(tx, actor, Ev::new("customer.create", "customer").record(id).fields(&fields)).await?;
        Ok(Customer { id, data, created_at: from_micros(ts)?, updated_at: from_micros(ts)?, version: 1 })
    }

    pub async fn get_customer(&self, actor: &Actor, id: &str) -> Result<CustomerOut, AppError> {
        let c = self.read_customer(actor, id).await?;
        self.audit_read(actor, Ev::new("customer.read", "customer").record(c.id));
        Ok(customer_out(actor, c))
    }

    /// The plaintext customer, after the permission and record-scope checks. Crate-private:
    /// callers outside the app only ever see `CustomerOut`.
    pub(crate) async fn read_customer(&self, actor: &Actor, id: &str) -> Result<Customer, AppError> {
        self.allow(actor, Permission::CustomerRead)?;
        let id = id.parse::<CustomerId>().map_err(|_| AppError::NotFound("customer"))?;
        let row = self
            .store
            .get_customer_visible(&id.to_string(), &visibility(actor))
            .await?
            .ok_or(AppError::NotFound("customer"))?;
        let keys = self.vault.keys_for(&row.id, false).await?;
        self.customer_from_row(&keys, &row)
    }

    /// Applies changes if the stored version is still `expected_version`.
    pub async fn update_customer(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        changes: &CustomerChanges,
    ) -> Result<CustomerOut, AppError> {
        self.allow(actor, Permission::CustomerUpdate)?;
        let id = id.parse::<CustomerId>().map_err(|_| AppError::NotFound("customer"))?;
        self.visible_customer(actor, &id.to_string()).await?;
        // Keys first: a connection holding a write transaction never waits on another lookup.
        let keys = self.vault.keys_for(&id.to_string(), false).await?;
        let mut tx = self.store.begin_write().await?;
        if !tx.customer_visible(&id.to_string(), &visibility(actor)).await? {
            return Err(AppError::NotFound("customer"));
        }
        let row = tx.get_customer(&id.to_string()).await?.ok_or(AppError::NotFound("customer"))?;
        if row.version != expected_version {
            return Err(AppError::Stale { current: row.version });
        }
        let current = self.customer_from_row(&keys, &row)?;
        let now = self.now();
        let data = current.data.apply(changes, now.date())?;
        Self::check_references(&mut tx, &data, actor).await?;
        if data == current.data {
            return Ok(customer_out(actor, current));
        }
        let ts = to_micros(now).max(row.updated_at);
        let new_row = self.customer_row(
            &keys,
            &id,
            &data,
            RowMeta { created: row.created_at, updated: ts, version: row.version + 1 },
        );
        tx.update_customer(&new_row, expected_version).await.map_err(|e| match e {
            custos_store::StoreError::Conflict => AppError::Stale { current: -1 },
            other => other.into(),
        })?;
        let fields = crate::audit::customer_fields(Some(&current.data), &data);
        self.audit(&mut tx, actor, Ev::new("customer.update", "customer").record(id).fields(&fields)).await?;
        tx.commit().await?;
        let c = Customer {
            id,
            data,
            created_at: current.created_at,
            updated_at: from_micros(ts)?,
            version: row.version + 1,
        };
        Ok(customer_out(actor, c))
    }

    /// Erases a customer: destroys its data key (crypto-shredding), then deletes it and its
    /// contacts; with a version, only if it is still current.
    pub async fn delete_customer(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: Option<i64>,
    ) -> Result<(), AppError> {
        self.allow(actor, Permission::CustomerDelete)?;
        let id = id.parse::<CustomerId>().map_err(|_| AppError::NotFound("customer"))?;
        let mut tx = self.store.begin_write().await?;
        if !tx.customer_visible(&id.to_string(), &visibility(actor)).await? {
            return Err(AppError::NotFound("customer"));
        }
        let row = tx.get_customer(&id.to_string()).await?.ok_or(AppError::NotFound("customer"))?;
        if let Some(v) = expected_version
            && v != row.version
        {
            return Err(AppError::Stale { current: row.version });
        }
        // Erase: destroy the data key first (crypto-shredding; every copy of the customer's
        // ciphertexts, backups included, becomes unreadable), then delete the rows. A retry
        // after a failure here finds the key gone and deletes the rows.
        // The event first: if it cannot be appended, nothing is destroyed.
        self.audit(&mut tx, actor, Ev::new("customer.delete", "customer").record(&row.id)).await?;
        self.vault.destroy(&row.id).await?;
        tx.delete_customer(&row.id, Some(row.version)).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_customers(&self, actor: &Actor, q: &CustomerQuery) -> Result<CustomerPage, AppError> {
        let page = self.list_customers_unaudited(actor, q).await?;
        if !page.items.is_empty() {
            let ids = page.items.iter().map(|c| c.id.to_string()).collect();
            self.audit_read(actor, Ev::new("customer.list", "customer").ids(ids));
        }
        Ok(page)
    }

    /// `list_customers` without the read event (an export records its own event).
    pub(crate) async fn list_customers_unaudited(
        &self,
        actor: &Actor,
        q: &CustomerQuery,
    ) -> Result<CustomerPage, AppError> {
        self.allow(actor, Permission::CustomerRead)?;
        let mut filter = self.customer_filter(q)?;
        filter.visible = Some(visibility(actor));
        let page = self.store.list_customers(&filter).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for r in &page.items {
            // A customer whose key was destroyed (rows restored from an old copy) is not listed.
            let keys = match self.vault.keys_for(&r.id, false).await {
                Err(AppError::Erased(_)) => continue,
                other => other?,
            };
            items.push(customer_out(actor, self.customer_from_row(&keys, r)?));
        }
        let sort_name = q.sort.as_deref().unwrap_or("-created_at");
        Ok(CustomerPage { items, next_cursor: page.next.map(|(k, id)| encode_cursor(sort_name, &k, &id)) })
    }

    pub(crate) fn customer_filter(&self, q: &CustomerQuery) -> Result<CustomerFilter, AppError> {
        let mut e = FieldErrors::new();
        let mut f = CustomerFilter { limit: q.limit.unwrap_or(DEFAULT_PAGE), ..Default::default() };
        if let Some(l) = q.limit
            && !(1..=MAX_PAGE).contains(&l)
        {
            e.push("limit", "out_of_range", format!("must be between 1 and {MAX_PAGE}"));
        }
        if let Some(s) = &q.status {
            f.status = e.check("status", LifecycleStatus::parse(s)).map(|s| s.as_str().to_string());
        }
        if let Some(o) = &q.owner {
            match o.parse::<uuid::Uuid>() {
                Ok(u) => f.owner_id = Some(u.to_string()),
                Err(_) => e.push("owner", "invalid_id", "must be a user id (UUID)"),
            }
        }
        f.tag = q.tag.as_ref().map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        if let Some(n) = &q.q {
            let n = n.trim();
            if n.chars().count() > 200 {
                e.push("q", "too_long", "must be at most 200 characters");
            } else if !n.is_empty() {
                f.name_contains = Some(n.to_string());
            }
        }
        if let Some(v) = &q.email
            && let Some(em) = e.check("email", Email::parse(v))
        {
            f.blind.push(("email", self.vault.blind_index("email", &em.normalized())));
        }
        if let Some(v) = &q.mobile
            && let Some(m) = e.check("mobile", Mobile::parse(v))
        {
            f.blind.push(("mobile", self.vault.blind_index("mobile", m.as_str())));
        }
        let sort_name = q.sort.as_deref().unwrap_or("-created_at");
        match SORTS.iter().find(|(n, _)| *n == sort_name) {
            Some((_, s)) => f.sort = *s,
            None => e.push(
                "sort",
                "invalid_choice",
                "must be one of: name, -name, created_at, -created_at, updated_at, -updated_at",
            ),
        }
        if let Some(c) = &q.cursor {
            match decode_cursor(c, sort_name) {
                Some(after) => f.after = Some(after),
                None => e.push("cursor", "invalid", "is not a cursor of this list and sort order"),
            }
        }
        e.into_result(f).map_err(AppError::Invalid)
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    s: String,
    t: Option<String>,
    n: Option<i64>,
    i: String,
}

fn encode_cursor(sort: &str, k: &SortKey, id: &str) -> String {
    let (t, n) = match k {
        SortKey::Text(s) => (Some(s.clone()), None),
        SortKey::Int(i) => (None, Some(*i)),
    };
    let c = Cursor { s: sort.to_string(), t, n, i: id.to_string() };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap_or_default())
}

fn decode_cursor(raw: &str, sort: &str) -> Option<(SortKey, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.as_bytes()).ok()?;
    let c: Cursor = serde_json::from_slice(&bytes).ok()?;
    if c.s != sort {
        return None;
    }
    let key = match (c.t, c.n) {
        (Some(t), None) => SortKey::Text(t),
        (None, Some(n)) => SortKey::Int(n),
        _ => return None,
    };
    Some((key, c.i))
}
