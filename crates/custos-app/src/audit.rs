//! The audit trail in use: appending an event in the same write transaction as the change
//! it records, denied attempts in their own small transaction, batched read events, the
//! checkpointer that signs tree heads, and the auditor's use cases (search, checkpoint,
//! proofs, impact queries). Events carry ids, field names and the stated purpose; they
//! never carry a field value, a secret, or personal data of someone who is not a user.

use crate::audit_proofs::ProofHasher;
use crate::{Actor, App, AppError, Credential};
use custos_audit::{AuditEvent, CheckpointSigner, Hash, Outcome, TreeBuilder, Verifier};
use custos_domain::Permission;
use custos_store::{AUDIT_CHUNK, AuditRecord, AuditSearch, CheckpointRow, ImpactRow, WriteTx};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Audit tunables.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// The log's name in checkpoints (C2SP origin line) and the signing key's name.
    pub origin: String,
    /// A checkpoint is signed after this many new events…
    pub checkpoint_every_events: u64,
    /// …or this long after the last one, if anything was appended since.
    pub checkpoint_every: Duration,
    /// Read events are flushed at least this often…
    pub read_flush_every: Duration,
    /// …or when this many are waiting.
    pub read_batch: usize,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            origin: "custos.local/audit".into(),
            checkpoint_every_events: 1000,
            checkpoint_every: Duration::from_secs(10),
            read_flush_every: Duration::from_millis(200),
            read_batch: 256,
        }
    }
}

/// Waiting read events beyond this are dropped (and the drop is itself recorded).
const MAX_PENDING_READS: usize = 16_384;
/// Largest page of a search.
pub const MAX_AUDIT_PAGE: u32 = 500;

/// What happened, without who and when (the app fills those in).
#[derive(Debug, Clone)]
pub struct Ev {
    pub action: String,
    pub resource: String,
    pub record_id: Option<String>,
    pub fields: Vec<String>,
    pub outcome: Outcome,
    pub purpose: Option<String>,
    pub ids: Vec<String>,
}

impl Ev {
    /// An allowed `action` on a `resource`.
    pub fn new(action: &str, resource: &str) -> Ev {
        Ev {
            action: action.into(),
            resource: resource.into(),
            record_id: None,
            fields: Vec::new(),
            outcome: Outcome::Allowed,
            purpose: None,
            ids: Vec::new(),
        }
    }
    pub fn record(mut self, id: impl ToString) -> Ev {
        self.record_id = Some(id.to_string());
        self
    }
    pub fn fields<S: AsRef<str>>(mut self, f: &[S]) -> Ev {
        self.fields = f.iter().map(|s| s.as_ref().to_string()).collect();
        self
    }
    pub fn ids(mut self, ids: Vec<String>) -> Ev {
        self.ids = ids;
        self
    }
    pub fn purpose(mut self, p: &str) -> Ev {
        self.purpose = Some(p.to_string());
        self
    }
    pub fn outcome(mut self, o: Outcome) -> Ev {
        self.outcome = o;
        self
    }
}

/// Per-process audit state: the signer, the read buffer and the checkpointer's tree.
pub(crate) struct AuditRuntime {
    pub(crate) config: AuditConfig,
    signer: Option<CheckpointSigner>,
    enabled: AtomicBool,
    reads: Mutex<Vec<AuditEvent>>,
    dropped_reads: AtomicU64,
    flushing: tokio::sync::Mutex<()>,
    tree: tokio::sync::Mutex<TreeState>,
}

impl AuditRuntime {
    pub(crate) fn new(config: AuditConfig, vault: &crate::vault::Vault) -> AuditRuntime {
        let ring = vault.ring();
        let seed = custos_crypto::audit_signing_seed(ring.blind_index_key());
        let signer = match CheckpointSigner::from_seed(*seed, &config.origin) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::error!(error = %e, "audit signer unavailable (origin is not a valid key name)");
                None
            }
        };
        AuditRuntime {
            config,
            signer,
            enabled: AtomicBool::new(true),
            reads: Mutex::new(Vec::new()),
            dropped_reads: AtomicU64::new(0),
            flushing: tokio::sync::Mutex::new(()),
            tree: tokio::sync::Mutex::new(TreeState { tree: TreeBuilder::new(), chunk: TreeBuilder::new() }),
        }
    }
}

/// The checkpointer's tree of every stored leaf, and the current incomplete chunk.
struct TreeState {
    tree: TreeBuilder,
    chunk: TreeBuilder,
}

/// Handle of the background audit tasks; dropping it leaves them running, `stop` ends them.
#[derive(Debug)]
pub struct AuditTasks {
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl AuditTasks {
    /// Stops the tasks (after one last read flush, done by the caller with `flush_reads`).
    pub fn stop(self) {
        for h in self.handles {
            h.abort();
        }
    }
}

/// The auditor's view of one event.
pub type AuditEventOut = AuditEvent;

/// A page of search results; `next_cursor` continues with older events.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub items: Vec<AuditEventOut>,
    pub next_cursor: Option<String>,
}

/// Search filters as given by the caller.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub record: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub seq: Option<u64>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The latest signed checkpoint.
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    pub size: u64,
    pub root: Hash,
    pub note: String,
}

impl App {
    fn audit_rt(&self) -> &AuditRuntime {
        &self.audit
    }

    /// BENCHMARK BUILD ONLY (`--cfg custos_bench_unaudited`, never in the shipped binary):
    /// append no events, to measure what auditing costs. Not reachable from configuration.
    #[cfg(custos_bench_unaudited)]
    #[doc(hidden)]
    pub fn disable_audit_for_benchmark(&self) {
        self.audit.enabled.store(false, Ordering::Relaxed);
    }

    /// The audit configuration.
    pub fn audit_config(&self) -> &AuditConfig {
        &self.audit_rt().config
    }

    /// The checkpoint verifier key (`name+id+base64`), for `custos audit pubkey`.
    pub fn audit_public_key(&self) -> Result<String, AppError> {
        self.audit_rt()
            .signer
            .as_ref()
            .map(CheckpointSigner::verifier_key)
            .ok_or_else(|| AppError::Internal("audit signer unavailable".into()))
    }

    fn event(&self, actor: &Actor, ev: Ev) -> AuditEvent {
        let (token_id, session_id) = match &actor.credential {
            Credential::Session { id, .. } => (None, Some(id.to_string())),
            Credential::Token { id, .. } => (Some(id.to_string()), None),
            Credential::Operator => (None, None),
        };
        AuditEvent {
            seq: 0,
            at_micros: self.now_micros(),
            actor: custos_audit::Actor {
                user_id: actor.user_id().map(|u| u.to_string()),
                token_id,
                session_id,
                ip: actor.client.ip.clone(),
                user_agent: actor.client.user_agent.clone(),
            },
            action: ev.action,
            resource: ev.resource,
            record_id: ev.record_id,
            fields: ev.fields,
            outcome: ev.outcome,
            purpose: ev.purpose,
            request_id: actor.client.request_id.clone(),
            ids: ev.ids,
        }
    }

    /// Appends an event in `tx`, the transaction of the change it records: if the append
    /// fails, the caller's `?` drops the transaction and the change does not happen.
    pub async fn audit(&self, tx: &mut WriteTx, actor: &Actor, ev: Ev) -> Result<(), AppError> {
        if !self.audit.enabled.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut e = [self.event(actor, ev)];
        tx.append_audit(&mut e).await?;
        Ok(())
    }

    /// Records an event that has no business transaction (a sign-in, a denial, a reveal)
    /// in its own small transaction.
    pub async fn audit_now(&self, actor: &Actor, ev: Ev) -> Result<(), AppError> {
        let mut tx = self.store.begin_write().await?;
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a sign-in in the transaction that opens its session.
    pub(crate) async fn audit_sign_in(
        &self,
        tx: &mut WriteTx,
        user_id: &str,
        session_id: &str,
        client: &crate::ClientInfo,
        action: &str,
    ) -> Result<(), AppError> {
        if !self.audit.enabled.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut e = self.event(&Actor::operator(), Ev::new(action, "session").record(session_id));
        e.actor = custos_audit::Actor {
            user_id: Some(user_id.to_string()),
            token_id: None,
            session_id: Some(session_id.to_string()),
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
        };
        e.request_id = client.request_id.clone();
        tx.append_audit(&mut [e]).await?;
        Ok(())
    }

    /// Records a failed sign-in (in the background) and returns the error to answer. The
    /// user is named only when the account exists; an unknown e-mail is never recorded.
    pub(crate) fn sign_in_failed(&self, user_id: Option<&str>, client: &crate::ClientInfo) -> AppError {
        if self.audit.enabled.load(Ordering::Relaxed) {
            let mut e = self.event(&Actor::operator(), Ev::new("auth.login", "session").outcome(Outcome::Failed));
            e.actor = custos_audit::Actor {
                user_id: user_id.map(str::to_string),
                token_id: None,
                session_id: None,
                ip: client.ip.clone(),
                user_agent: client.user_agent.clone(),
            };
            e.request_id = client.request_id.clone();
            self.append_detached(e);
        }
        AppError::InvalidCredentials
    }

    /// Appends one event in its own transaction in the background; failures are logged.
    fn append_detached(&self, e: AuditEvent) {
        let store = self.store.clone();
        let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
        handle.spawn(async move {
            let result = async {
                let mut tx = store.begin_write().await?;
                tx.append_audit(&mut [e]).await?;
                tx.commit().await
            }
            .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "could not record an audit event");
            }
        });
    }

    /// Records a denied attempt in the background; a failure to record it is logged, never
    /// shown to the caller (whose request is refused anyway).
    pub(crate) fn audit_denied(&self, actor: &Actor, action: &str, resource: &str, record_id: Option<&str>) {
        if !self.audit.enabled.load(Ordering::Relaxed) {
            return;
        }
        let mut ev = Ev::new(action, resource).outcome(Outcome::Denied);
        ev.record_id = record_id.map(str::to_string);
        let e = self.event(actor, ev);
        self.append_detached(e);
    }

    /// Notes a read of customer records; buffered and appended in batches (at most
    /// `read_flush_every` later). Reads buffered when the process dies are lost: they were
    /// never acknowledged as written.
    pub(crate) fn audit_read(&self, actor: &Actor, ev: Ev) {
        if !self.audit.enabled.load(Ordering::Relaxed) {
            return;
        }
        let e = self.event(actor, ev);
        let full = {
            let mut reads = self.audit.reads.lock().unwrap_or_else(|p| p.into_inner());
            if reads.len() >= MAX_PENDING_READS {
                self.audit.dropped_reads.fetch_add(1, Ordering::Relaxed);
                false
            } else {
                reads.push(e);
                reads.len() >= self.audit.config.read_batch
            }
        };
        if full && let Ok(handle) = tokio::runtime::Handle::try_current() {
            let app = self.clone();
            handle.spawn(async move {
                if let Err(e) = app.flush_reads().await {
                    tracing::warn!(error = %e, "could not flush read events; will retry");
                }
            });
        }
    }

    /// Appends every buffered read event in one transaction. On failure they go back to
    /// the buffer for the next attempt.
    pub async fn flush_reads(&self) -> Result<(), AppError> {
        let _one = self.audit.flushing.lock().await;
        let mut batch = std::mem::take(&mut *self.audit.reads.lock().unwrap_or_else(|p| p.into_inner()));
        let dropped = self.audit.dropped_reads.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            let mut ev = self.event(&Actor::operator(), Ev::new("audit.reads_dropped", "audit"));
            ev.purpose = Some(format!("{dropped} read events were dropped while the database was unavailable"));
            ev.outcome = Outcome::Failed;
            batch.push(ev);
        }
        if batch.is_empty() {
            return Ok(());
        }
        let result = async {
            let mut tx = self.store.begin_write().await?;
            tx.append_audit(&mut batch).await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = result {
            let mut reads = self.audit.reads.lock().unwrap_or_else(|p| p.into_inner());
            let room = MAX_PENDING_READS.saturating_sub(reads.len());
            let keep = batch.len().min(room);
            let lost = batch.len() - keep;
            let mut back: Vec<AuditEvent> = batch.into_iter().take(keep).collect();
            back.append(&mut reads);
            *reads = back;
            self.audit.dropped_reads.fetch_add(lost as u64, Ordering::Relaxed);
            return Err(e.into());
        }
        Ok(())
    }

    /// Starts the read flusher and the checkpointer on the current runtime.
    pub fn start_background(&self) -> AuditTasks {
        let flusher = {
            let app = self.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(app.audit.config.read_flush_every);
                loop {
                    tick.tick().await;
                    if let Err(e) = app.flush_reads().await {
                        tracing::warn!(error = %e, "could not flush read events; will retry");
                    }
                }
            })
        };
        let checkpointer = {
            let app = self.clone();
            tokio::spawn(async move {
                let mut last = Instant::now();
                let mut tick = tokio::time::interval(Duration::from_millis(200));
                loop {
                    tick.tick().await;
                    let due = async {
                        let head = app.store.audit_head().await?;
                        let signed = app.store.latest_audit_checkpoint().await?.map_or(0, |c| c.size);
                        let new = u64::try_from(head - signed).unwrap_or(0);
                        Ok::<bool, AppError>(
                            new >= app.audit.config.checkpoint_every_events
                                || (new > 0 && last.elapsed() >= app.audit.config.checkpoint_every),
                        )
                    }
                    .await;
                    match due {
                        Ok(true) => {
                            last = Instant::now();
                            if let Err(e) = app.checkpoint_now().await {
                                tracing::warn!(error = %e, "could not sign an audit checkpoint");
                            }
                        }
                        Ok(false) => {}
                        Err(e) => tracing::warn!(error = %e, "audit checkpointer: could not read the log head"),
                    }
                }
            })
        };
        AuditTasks { handles: vec![flusher, checkpointer] }
    }

    /// Brings the in-memory tree up to the stored log, stores subtree hashes of complete
    /// chunks, and signs and stores a checkpoint of the current size. Idempotent; several
    /// processes may do it at once (same size, same root: one row is kept).
    pub async fn checkpoint_now(&self) -> Result<Option<SignedCheckpoint>, AppError> {
        let signer = self.audit.signer.as_ref().ok_or_else(|| AppError::Internal("audit signer unavailable".into()))?;
        let mut st = self.audit.tree.lock().await;
        let head = self.store.audit_head().await?;
        let mut chunks = Vec::new();
        let mut from = i64::try_from(st.tree.size()).map_err(|_| AppError::Internal("log too large".into()))?;
        while from < head {
            let to = (from + 10_000).min(head);
            let leaves = self.store.audit_leaves(from, to).await?;
            for (seq, leaf) in leaves {
                let pos = st.tree.size();
                if u64::try_from(seq).ok() != Some(pos) {
                    return Err(AppError::Internal(format!("audit log has a gap before seq {seq}")));
                }
                let h = custos_audit::hash_from_slice(&leaf)
                    .map_err(|_| AppError::Internal(format!("audit leaf {seq} is malformed")))?;
                st.tree.push(h);
                st.chunk.push(h);
                if st.chunk.size() == AUDIT_CHUNK {
                    chunks.push((i64::try_from(pos / AUDIT_CHUNK).unwrap_or(i64::MAX), st.chunk.root().to_vec()));
                    st.chunk = TreeBuilder::new();
                }
            }
            from = to;
        }
        let tree = &st.tree;
        self.store.put_audit_chunks(&chunks).await?;
        if tree.size() == 0 {
            return Ok(None);
        }
        let cp = custos_audit::Checkpoint::new(self.audit.config.origin.clone(), tree.size(), tree.root());
        let note = signer.sign(&cp).map_err(|e| AppError::Internal(e.to_string()))?;
        self.store
            .put_audit_checkpoint(&CheckpointRow {
                size: i64::try_from(cp.size).unwrap_or(i64::MAX),
                root: cp.root.to_vec(),
                note: note.clone(),
                at: self.now_micros(),
            })
            .await?;
        Ok(Some(SignedCheckpoint { size: cp.size, root: cp.root, note }))
    }

    /// Auditor search, newest first, with a cursor.
    pub async fn search_audit(&self, actor: &Actor, q: &AuditQuery) -> Result<AuditPage, AppError> {
        self.allow(actor, Permission::AuditRead)?;
        let limit = q.limit.unwrap_or(100);
        if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
            return Err(AppError::invalid("limit", "out_of_range", "must be between 1 and 500"));
        }
        let before = match &q.cursor {
            None => None,
            Some(c) => Some(
                c.parse::<i64>().map_err(|_| AppError::invalid("cursor", "invalid", "is not a cursor of this list"))?,
            ),
        };
        if let Some(o) = &q.outcome
            && !matches!(o.as_str(), "allowed" | "denied" | "failed")
        {
            return Err(AppError::invalid("outcome", "invalid_choice", "must be one of: allowed, denied, failed"));
        }
        let s = AuditSearch {
            actor_user: q.actor.clone(),
            record_id: q.record.clone(),
            action: q.action.clone(),
            outcome: q.outcome.clone(),
            from_at: q.from,
            to_at: q.to,
            seq: q.seq.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
            before_seq: before,
            limit: i64::from(limit) + 1,
        };
        let mut rows = self.store.search_audit(&s).await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(|r| r.seq.to_string()) } else { None };
        Ok(AuditPage { items: events(rows), next_cursor })
    }

    /// The latest signed checkpoint.
    pub async fn audit_checkpoint(&self, actor: &Actor) -> Result<SignedCheckpoint, AppError> {
        self.allow(actor, Permission::AuditRead)?;
        let c = self.store.latest_audit_checkpoint().await?.ok_or(AppError::NotFound("checkpoint"))?;
        Ok(SignedCheckpoint {
            size: u64::try_from(c.size).map_err(|_| AppError::Internal("bad checkpoint size".into()))?,
            root: custos_audit::hash_from_slice(&c.root).map_err(|e| AppError::Internal(e.to_string()))?,
            note: c.note,
        })
    }

    /// Inclusion proof of leaf `index` in the tree of `size` leaves.
    pub async fn audit_inclusion_proof(&self, actor: &Actor, index: u64, size: u64) -> Result<Vec<Hash>, AppError> {
        self.allow(actor, Permission::AuditRead)?;
        if index >= size {
            return Err(AppError::invalid("index", "out_of_range", "must be below size"));
        }
        let mut h = self.proof_hasher(size).await?;
        h.inclusion(&self.store, index, size).await
    }

    /// Consistency proof between the trees of `from` and `to` leaves.
    pub async fn audit_consistency_proof(&self, actor: &Actor, from: u64, to: u64) -> Result<Vec<Hash>, AppError> {
        self.allow(actor, Permission::AuditRead)?;
        if from == 0 || from > to {
            return Err(AppError::invalid("from", "out_of_range", "must be between 1 and to"));
        }
        let mut h = self.proof_hasher(to).await?;
        h.consistency(&self.store, from, to).await
    }

    async fn proof_hasher(&self, size: u64) -> Result<ProofHasher, AppError> {
        let head = u64::try_from(self.store.audit_head().await?).unwrap_or(0);
        if size > head {
            return Err(AppError::invalid("size", "out_of_range", "is larger than the log"));
        }
        ProofHasher::load(&self.store, size).await
    }

    /// Which customers `actor_user` read, revealed, changed or exported in `[from, to)`.
    pub async fn audit_impact_actor(
        &self,
        actor: &Actor,
        actor_user: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<ImpactRow>, AppError> {
        self.allow(actor, Permission::AuditRead)?;
        Ok(self.store.audit_impact_by_actor(actor_user, from, to, 100_000).await?)
    }

    /// Who accessed customer `customer_id` in `[from, to)`: the events, newest first.
    pub async fn audit_impact_customer(
        &self,
        actor: &Actor,
        customer_id: &str,
        from: i64,
        to: i64,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<AuditPage, AppError> {
        self.allow(actor, Permission::AuditRead)?;
        let before = match cursor {
            None => i64::MAX,
            Some(c) => {
                c.parse::<i64>().map_err(|_| AppError::invalid("cursor", "invalid", "is not a cursor of this list"))?
            }
        };
        let limit = limit.clamp(1, MAX_AUDIT_PAGE);
        let mut rows = self.store.audit_impact_by_customer(customer_id, from, to, before, i64::from(limit) + 1).await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(|r| r.seq.to_string()) } else { None };
        Ok(AuditPage { items: events(rows), next_cursor })
    }
}

fn events(rows: Vec<AuditRecord>) -> Vec<AuditEvent> {
    rows.into_iter().filter_map(|r| r.event).collect()
}

/// A verifier for checkpoints of this store's origin from a verifier key string.
pub fn verifier_from_key(key: &str) -> Result<Verifier, AppError> {
    Verifier::from_key_string(key.trim()).map_err(|e| AppError::Internal(format!("audit public key: {e}")))
}

/// Names of the customer fields that differ between `old` and `new` (`None`: every field
/// `new` sets). Names only, never values.
pub(crate) fn customer_fields(
    old: Option<&custos_domain::customer::CustomerData>,
    new: &custos_domain::customer::CustomerData,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    macro_rules! cmp {
        ($($f:ident),*) => {$(
            match old {
                Some(o) if o.$f == new.$f => {}
                Some(_) => out.push(stringify!($f)),
                None => if IsSet::is_set(&new.$f) { out.push(stringify!($f)) },
            }
        )*};
    }
    cmp!(
        name,
        kind,
        industry,
        tier,
        status,
        owner_id,
        team_id,
        tags,
        source,
        email,
        mobile,
        phone,
        address,
        birthday,
        national_id,
        bank_account,
        notes
    );
    out
}

/// Names of the contact fields that differ between `old` and `new` (`None`: every field set).
pub(crate) fn contact_fields(
    old: Option<&custos_domain::contact::ContactData>,
    new: &custos_domain::contact::ContactData,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    macro_rules! cmp {
        ($($f:ident),*) => {$(
            match old {
                Some(o) if o.$f == new.$f => {}
                Some(_) => out.push(stringify!($f)),
                None => if IsSet::is_set(&new.$f) { out.push(stringify!($f)) },
            }
        )*};
    }
    cmp!(name, title, email, mobile, phone, address, notes);
    out
}

/// Whether a field holds a value (for the field names of a create).
trait IsSet {
    fn is_set(&self) -> bool;
}
impl<T> IsSet for Option<T> {
    fn is_set(&self) -> bool {
        self.is_some()
    }
}
impl<T> IsSet for Vec<T> {
    fn is_set(&self) -> bool {
        !self.is_empty()
    }
}
impl IsSet for String {
    fn is_set(&self) -> bool {
        true
    }
}
impl IsSet for custos_domain::CustomerKind {
    fn is_set(&self) -> bool {
        true
    }
}
impl IsSet for custos_domain::LifecycleStatus {
    fn is_set(&self) -> bool {
        true
    }
}
