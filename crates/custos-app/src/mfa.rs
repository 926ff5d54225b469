//! The second factor: TOTP enrolment (otpauth URI and a server-rendered SVG QR code),
//! completing a sign-in that waits for it (with a fresh session: the pending one is revoked),
//! one-time recovery codes, and step-up for sensitive actions. The TOTP secret is stored only
//! sealed by the vault, recovery codes only as digests; secrets and codes are shown once to
//! their owner and never logged or put into errors. A pending sign-in is never an `Actor`:
//! nothing but the use cases here accepts it.

use crate::auth::{LoginResult, LoginStatus, SESSION_PENDING_MFA, SESSION_PREFIX, SessionKind, user_from_row};
use crate::authz::STEP_UP_WINDOW;
use crate::convert::{from_micros, parse_id};
use crate::throttle::Attempt;
use crate::{Actor, App, AppError, ClientInfo, Credential};
use custos_crypto::{token, totp};
use custos_store::{RoleRow, SessionRow, TotpRow, UserRow, WriteTx};
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The issuer shown by authenticator apps.
pub const ISSUER: &str = "Custos";
/// The sealed field holding a user's TOTP secret.
const SECRET_FIELD: &str = "totp_secret";

/// A sign-in that passed the password and waits for its second factor (or, when the role
/// requires one that is not set up yet, for enrolment).
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    session_id: String,
    user_id: String,
    email: String,
    kind: SessionKind,
    /// The user has a TOTP in force (otherwise the pending session may only enrol).
    pub enrolled: bool,
    client: ClientInfo,
}

/// Who calls an MFA endpoint that also serves sign-ins in progress.
#[derive(Debug, Clone)]
pub enum MfaCaller {
    Active(Actor),
    Pending(PendingSignIn),
}

/// A TOTP enrolment in progress. The secret is shown once.
pub struct TotpEnrolment {
    pub otpauth_uri: String,
    /// Base32 (RFC 4648, no padding), for typing into an app that cannot scan.
    pub secret: String,
    /// The otpauth URI as a QR code, an SVG document.
    pub qr_svg: String,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrolment(**redacted**)")
    }
}

/// A confirmed enrolment: the recovery codes (shown once) and, when it finished a pending
/// sign-in, the new session.
pub struct TotpConfirmation {
    pub recovery_codes: Vec<String>,
    pub sign_in: Option<LoginResult>,
}

impl std::fmt::Debug for TotpConfirmation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpConfirmation(**redacted**)")
    }
}

/// What the user typed as their second factor.
#[derive(Clone, Copy)]
pub enum SecondFactor<'a> {
    /// A 6-digit code from the authenticator app.
    Code(&'a str),
    /// One of the recovery codes.
    RecoveryCode(&'a str),
}

impl SecondFactor<'_> {
    fn field(&self) -> &'static str {
        match self {
            SecondFactor::Code(_) => "code",
            SecondFactor::RecoveryCode(_) => "recovery_code",
        }
    }

    fn refused(&self) -> AppError {
        AppError::invalid(self.field(), "invalid_code", "the code is wrong, expired or already used")
    }
}

/// The user behind a session-authenticated actor; API tokens and the operator manage no
/// second factor.
fn session_user(actor: &Actor) -> Result<(String, String), AppError> {
    match (&actor.credential, actor.user_id()) {
        (Credential::Session { id, .. }, Some(u)) => Ok((u.to_string(), id.to_string())),
        _ => Err(AppError::Forbidden),
    }
}

fn render_qr(uri: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| AppError::Internal(format!("cannot encode the enrolment QR code: {e}")))?;
    Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build())
}

impl App {
    fn vault_scope(user_id: &str) -> String {
        format!("user:{user_id}")
    }

    /// Resolves the token of an MFA endpoint: a live pending sign-in of this client, or
    /// else an ordinary active session or token (`authenticate`).
    pub async fn authenticate_mfa_caller(&self, presented: &str, client: &ClientInfo) -> Result<MfaCaller, AppError> {
        if token::is_well_formed(SESSION_PREFIX, presented)
            && let Some((s, u, r)) = self.store.session_with_user(&token::token_digest(presented)).await?
            && s.state == SESSION_PENDING_MFA
        {
            return self.pending_sign_in(&s, &u, r.as_ref(), client).await.map(MfaCaller::Pending);
        }
        self.authenticate(presented, client).await.map(MfaCaller::Active)
    }

    async fn pending_sign_in(
        &self,
        s: &SessionRow,
        u: &UserRow,
        r: Option<&RoleRow>,
        client: &ClientInfo,
    ) -> Result<PendingSignIn, AppError> {
        let now = self.now_micros();
        if s.revoked_at.is_some() || s.expires_at <= now {
            return Err(AppError::Unauthenticated);
        }
        if s.user_agent != client.user_agent || (self.config.session_bind_ip && s.ip != client.ip) {
            tracing::warn!(session = %s.id, "pending sign-in presented by a different client");
            return Err(AppError::Unauthenticated);
        }
        // Account status and the role's address ranges, as for any request.
        self.actor_kind(u, r, client)?;
        let enrolled = self.store.get_totp(&u.id).await?.is_some_and(|t| t.enabled_at.is_some());
        Ok(PendingSignIn {
            session_id: s.id.clone(),
            user_id: u.id.clone(),
            email: u.email.clone(),
            kind: SessionKind::parse(&s.kind),
            enrolled,
            client: client.clone(),
        })
    }

    /// Starts (or restarts) setting up an authenticator app: a new secret, sealed, not in
    /// force until `confirm_totp`. Refused while one is in force (remove it first, which
    /// needs step-up), so a stolen session or password cannot replace it.
    pub async fn begin_totp(&self, caller: &MfaCaller) -> Result<TotpEnrolment, AppError> {
        let user_id = match caller {
            MfaCaller::Active(actor) => session_user(actor)?.0,
            MfaCaller::Pending(p) => p.user_id.clone(),
        };
        let user = self.store.user_by_id(&user_id).await?.ok_or(AppError::Unauthenticated)?;
        if self.store.get_totp(&user_id).await?.is_some_and(|t| t.enabled_at.is_some()) {
            return match caller {
                MfaCaller::Pending(_) => Err(AppError::Forbidden),
                MfaCaller::Active(_) => {
                    Err(AppError::Conflict("an authenticator is already set up; remove it first".into()))
                }
            };
        }
        let secret = totp::generate_secret(self.rng.as_ref());
        let secret_b32 = Zeroizing::new(totp::base32_encode(&secret));
        let keys = self.vault.keys_for(&Self::vault_scope(&user_id), true).await?;
        let secret_ct = keys.seal(&user_id, SECRET_FIELD, &secret_b32, self.rng.as_ref());
        let now = self.now_micros();
        let mut tx = self.store.begin_write().await?;
        tx.put_totp(&TotpRow { user_id: user_id.clone(), secret_ct, enabled_at: None, last_step: 0, created_at: now })
            .await?;
        self.audit_mfa(&mut tx, caller, "mfa.totp.begin").await?;
        tx.commit().await?;
        let otpauth_uri = totp::otpauth_uri(ISSUER, &user.email, &secret_b32);
        let qr_svg = render_qr(&otpauth_uri)?;
        Ok(TotpEnrolment { otpauth_uri, secret: secret_b32.to_string(), qr_svg })
    }

    /// Confirms an enrolment with a first code: the TOTP is in force from now, ten recovery
    /// codes replace any earlier ones, and the second factor counts as just verified (the
    /// current session's `mfa_at`). For a pending sign-in it also completes the sign-in
    /// with a new session, as `complete_mfa` does.
    pub async fn confirm_totp(&self, caller: &MfaCaller, code: &str) -> Result<TotpConfirmation, AppError> {
        let (user_id, email) = match caller {
            MfaCaller::Active(actor) => {
                let (u, _) = session_user(actor)?;
                let row = self.store.user_by_id(&u).await?.ok_or(AppError::Unauthenticated)?;
                (u, row.email)
            }
            MfaCaller::Pending(p) => (p.user_id.clone(), p.email.clone()),
        };
        let row = match self.store.get_totp(&user_id).await? {
            Some(t) if t.enabled_at.is_none() => t,
            Some(_) => return Err(AppError::Conflict("the authenticator is already confirmed".into())),
            None => return Err(AppError::Conflict("start setting up an authenticator first".into())),
        };
        let attempt = self.throttle_begin(&email, None).await?;
        let factor = SecondFactor::Code(code);
        let step = self.matching_step(&row, code).await?;
        let now = self.now_micros();
        let mut tx = self.store.begin_write().await?;
        let same = tx.get_totp(&user_id).await?.is_some_and(|t| t.secret_ct == row.secret_ct && t.enabled_at.is_none());
        let accepted = match step {
            Some(step) if same => tx.accept_totp_step(&user_id, step, now).await?,
            _ => false,
        };
        if !accepted {
            tx.rollback().await?;
            return Err(factor.refused());
        }
        let codes = totp::generate_recovery_codes(self.rng.as_ref());
        let digests: Vec<Vec<u8>> =
            codes.iter().filter_map(|c| totp::recovery_code_digest(&user_id, c)).map(|d| d.to_vec()).collect();
        tx.replace_recovery_codes(&user_id, &digests).await?;
        let sign_in = match caller {
            MfaCaller::Active(actor) => {
                let (_, session_id) = session_user(actor)?;
                tx.set_session_mfa(&session_id, crate::auth::SESSION_ACTIVE, now).await?;
                self.throttle_clear(&mut tx, &attempt).await?;
                None
            }
            MfaCaller::Pending(p) => Some(self.finish_sign_in(&mut tx, p, &attempt).await?),
        };
        self.audit_mfa(&mut tx, caller, "mfa.totp.confirm").await?;
        tx.commit().await?;
        Ok(TotpConfirmation { recovery_codes: codes.iter().map(|c| c.to_string()).collect(), sign_in })
    }

    /// Completes a pending sign-in with a TOTP or recovery code: the pending session is
    /// revoked and a new active session (new token) is opened with the second factor just
    /// verified. Failures count against the account like wrong passwords.
    pub async fn complete_mfa(
        &self,
        pending_token: &str,
        factor: SecondFactor<'_>,
        client: &ClientInfo,
    ) -> Result<LoginResult, AppError> {
        let MfaCaller::Pending(p) = self.authenticate_mfa_caller(pending_token, client).await? else {
            return Err(AppError::Unauthenticated);
        };
        if !p.enrolled {
            return Err(AppError::Conflict(
                "set up an authenticator first (POST /api/v1/auth/mfa/totp, then confirm it)".into(),
            ));
        }
        let attempt = self.throttle_begin(&p.email, None).await?;
        let mut tx = self.verify_factor(&p.user_id, factor).await?;
        let result = self.finish_sign_in(&mut tx, &p, &attempt).await?;
        tx.commit().await?;
        Ok(result)
    }

    /// Records a second-factor check in the current session: sensitive actions are allowed
    /// for `STEP_UP_WINDOW` from now. Only sessions can step up (API tokens cannot).
    /// Returns when the window ends.
    pub async fn step_up(&self, actor: &Actor, factor: SecondFactor<'_>) -> Result<OffsetDateTime, AppError> {
        let (user_id, session_id) = match (&actor.credential, actor.user_id()) {
            (Credential::Session { id, .. }, Some(u)) => (u.to_string(), id.to_string()),
            (Credential::Operator, _) => return Ok(self.now() + STEP_UP_WINDOW),
            _ => return Err(AppError::StepUpRequired),
        };
        if !self.totp_in_force(&user_id).await? {
            return Err(AppError::Conflict(
                "set up an authenticator first (POST /api/v1/auth/mfa/totp, then confirm it)".into(),
            ));
        }
        let user = self.store.user_by_id(&user_id).await?.ok_or(AppError::Unauthenticated)?;
        let attempt = self.throttle_begin(&user.email, None).await?;
        let mut tx = self.verify_factor(&user_id, factor).await?;
        let now = self.now_micros();
        tx.set_session_mfa(&session_id, crate::auth::SESSION_ACTIVE, now).await?;
        self.throttle_clear(&mut tx, &attempt).await?;
        self.audit(&mut tx, actor, crate::audit::Ev::new("mfa.step_up", "session").record(&session_id)).await?;
        tx.commit().await?;
        Ok(from_micros(now)? + STEP_UP_WINDOW)
    }

    /// Removes the authenticator and the recovery codes. Needs step-up.
    pub async fn disable_totp(&self, actor: &Actor) -> Result<(), AppError> {
        let (user_id, _) = session_user(actor)?;
        self.require_step_up(actor)?;
        let mut tx = self.store.begin_write().await?;
        tx.delete_totp(&user_id).await?;
        self.audit(&mut tx, actor, crate::audit::Ev::new("mfa.totp.disable", "user").record(&user_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ten new recovery codes (shown once); the earlier ones stop working. Needs step-up and
    /// an authenticator in force.
    pub async fn regenerate_recovery_codes(&self, actor: &Actor) -> Result<Vec<String>, AppError> {
        let (user_id, _) = session_user(actor)?;
        self.require_step_up(actor)?;
        if !self.totp_in_force(&user_id).await? {
            return Err(AppError::Conflict("set up an authenticator first".into()));
        }
        let codes = totp::generate_recovery_codes(self.rng.as_ref());
        let digests: Vec<Vec<u8>> =
            codes.iter().filter_map(|c| totp::recovery_code_digest(&user_id, c)).map(|d| d.to_vec()).collect();
        let mut tx = self.store.begin_write().await?;
        tx.replace_recovery_codes(&user_id, &digests).await?;
        self.audit(&mut tx, actor, crate::audit::Ev::new("mfa.recovery_codes.regenerate", "user").record(&user_id))
            .await?;
        tx.commit().await?;
        Ok(codes.iter().map(|c| c.to_string()).collect())
    }

    /// Whether the user has a confirmed authenticator.
    async fn totp_in_force(&self, user_id: &str) -> Result<bool, AppError> {
        Ok(self.store.get_totp(user_id).await?.is_some_and(|t| t.enabled_at.is_some()))
    }

    /// The step a code matches for this enrolment, if any (the secret is opened only here).
    async fn matching_step(&self, row: &TotpRow, code: &str) -> Result<Option<i64>, AppError> {
        let keys = self.vault.keys_for(&Self::vault_scope(&row.user_id), false).await?;
        let secret_b32 = Zeroizing::new(keys.open_field(&row.user_id, SECRET_FIELD, &row.secret_ct)?);
        let secret = totp::base32_decode(&secret_b32)
            .ok_or_else(|| AppError::Internal("stored TOTP secret is malformed".into()))?;
        let step = totp::time_step(self.now().unix_timestamp(), totp::STEP_SECS);
        Ok(totp::verify(&secret, code, step))
    }

    /// Checks a second factor of a user whose TOTP is in force and uses it up (a TOTP step
    /// is never accepted twice, a recovery code only once). Returns the open transaction
    /// that recorded the use, for the caller to add to and commit.
    async fn verify_factor(&self, user_id: &str, factor: SecondFactor<'_>) -> Result<WriteTx, AppError> {
        let now = self.now_micros();
        let row = match self.store.get_totp(user_id).await? {
            Some(t) if t.enabled_at.is_some() => t,
            _ => return Err(factor.refused()),
        };
        let accepted_step = match factor {
            SecondFactor::Code(code) => self.matching_step(&row, code).await?,
            SecondFactor::RecoveryCode(_) => None,
        };
        let mut tx = self.store.begin_write().await?;
        let ok = match factor {
            SecondFactor::Code(_) => match accepted_step {
                Some(step) => {
                    let same = tx.get_totp(user_id).await?.is_some_and(|t| t.secret_ct == row.secret_ct);
                    same && tx.accept_totp_step(user_id, step, now).await?
                }
                None => false,
            },
            SecondFactor::RecoveryCode(typed) => match totp::recovery_code_digest(user_id, typed) {
                Some(d) => tx.use_recovery_code(user_id, &d, now).await?,
                None => false,
            },
        };
        if !ok {
            tx.rollback().await?;
            return Err(factor.refused());
        }
        Ok(tx)
    }

    /// Revokes the pending session and opens the real one (with a new token) with the
    /// second factor verified now; clears the account's throttle and records the sign-in.
    async fn finish_sign_in(
        &self,
        tx: &mut WriteTx,
        p: &PendingSignIn,
        attempt: &Attempt,
    ) -> Result<LoginResult, AppError> {
        let now = self.now_micros();
        tx.revoke_session(&p.session_id, now).await?;
        let (token, row) = self.new_session_row(&p.user_id, p.kind, &p.client, false, Some(now));
        tx.insert_session(&row).await?;
        tx.record_login(&p.user_id, now).await?;
        self.throttle_clear(tx, attempt).await?;
        self.audit_sign_in(tx, &p.user_id, &row.id, &p.client, "auth.login.mfa").await?;
        let user = tx.get_user(&p.user_id).await?.ok_or(AppError::Unauthenticated)?;
        Ok(LoginResult {
            token,
            session_id: parse_id(&row.id, "session")?,
            expires_at: from_micros(row.expires_at)?,
            user: user_from_row(&user)?,
            status: LoginStatus::Ok,
            kind: p.kind,
        })
    }

    /// Records an MFA event for a signed-in user or a sign-in in progress.
    async fn audit_mfa(&self, tx: &mut WriteTx, caller: &MfaCaller, action: &str) -> Result<(), AppError> {
        match caller {
            MfaCaller::Active(actor) => {
                let (user_id, _) = session_user(actor)?;
                self.audit(tx, actor, crate::audit::Ev::new(action, "user").record(user_id)).await
            }
            MfaCaller::Pending(p) => self.audit_sign_in(tx, &p.user_id, &p.session_id, &p.client, action).await,
        }
    }
}
