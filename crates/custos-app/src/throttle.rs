//! Sign-in throttling, kept in the database so that every server process shares it: per
//! account, progressive delays then a temporary lockout; per client address, a fixed
//! one-minute window. It never sees a password or a code, and it decides only from the
//! e-mail as typed, so its answers are the same for known and unknown accounts.
//!
//! An attempt is counted as a failure *before* the secret is checked (so parallel guesses
//! cannot outrun the counter, and a locked account costs no hashing work); success clears
//! the account's record, and a correct password that still waits for its second factor
//! gives its count back.

use crate::{App, AppError};
use custos_store::{ThrottleRow, WriteTx};

const MINUTE_MICROS: i64 = 60_000_000;
const SECOND_MICROS: i64 = 1_000_000;
/// The longest progressive delay.
const MAX_DELAY_SECS: u32 = 60;
/// An account's failures are forgotten after this long without one.
const FORGET_AFTER_MICROS: i64 = 24 * 3600 * SECOND_MICROS;

/// The throttle key of an account: the e-mail as typed, trimmed and lower-cased.
pub(crate) fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

/// One counted attempt on an account, to settle once the secret has been checked.
#[derive(Debug)]
pub(crate) struct Attempt {
    key: String,
    before: Option<ThrottleRow>,
}

fn secs_until(until: i64, now: i64) -> u64 {
    u64::try_from((until - now + SECOND_MICROS - 1) / SECOND_MICROS).unwrap_or(1).max(1)
}

/// How long an account must wait after its `failures`-th consecutive failure.
fn wait_micros(failures: i64, free: u32, lock_after: u32, lock_for_micros: i64) -> i64 {
    if failures >= i64::from(lock_after.max(1)) {
        return lock_for_micros;
    }
    if failures < i64::from(free) {
        return 0;
    }
    let exp = u32::try_from(failures - i64::from(free)).unwrap_or(u32::MAX).min(6);
    i64::from((1u32 << exp).min(MAX_DELAY_SECS)) * SECOND_MICROS
}

impl App {
    /// Counts one attempt for the account `email` (and, for password sign-ins, from `ip`),
    /// or refuses it with `TooManyAttempts` (address over its per-minute limit, account
    /// waiting or locked). Second-factor checks pass no address: they follow a correct
    /// password and are bounded per account.
    pub(crate) async fn throttle_begin(&self, email: &str, ip: Option<&str>) -> Result<Attempt, AppError> {
        let cfg = &self.config.throttle;
        let now = self.now_micros();
        let mut tx = self.store.begin_write().await?;
        // Locks in one order (address, then account) so concurrent attempts never deadlock.
        if let Some(ip) = ip {
            tx.lock_throttle(&format!("ip:{ip}")).await?;
        }
        tx.lock_throttle(&account_key(email)).await?;
        if let Some(ip) = ip {
            let key = format!("ip:{ip}");
            let (count, start) = match tx.get_throttle(&key).await? {
                Some(r) if now >= r.window_start && now - r.window_start < MINUTE_MICROS => {
                    (r.failures.saturating_add(1), r.window_start)
                }
                _ => (1, now),
            };
            tx.put_throttle(&ThrottleRow { key, failures: count, window_start: start, locked_until: 0 }).await?;
            if count > i64::from(cfg.per_ip_per_minute) {
                tx.commit().await?;
                tracing::info!("sign-in refused: address over its per-minute limit");
                return Err(AppError::TooManyAttempts { retry_after_secs: secs_until(start + MINUTE_MICROS, now) });
            }
        }
        let key = account_key(email);
        let before = tx.get_throttle(&key).await?;
        if let Some(r) = &before
            && r.locked_until > now
        {
            tx.commit().await?;
            tracing::info!("sign-in refused: account waiting after failures");
            return Err(AppError::TooManyAttempts { retry_after_secs: secs_until(r.locked_until, now) });
        }
        let previous = match &before {
            Some(r) if now - r.window_start < FORGET_AFTER_MICROS => r.failures,
            _ => 0,
        };
        let failures = previous.saturating_add(1);
        let lock_for = i64::try_from(cfg.lock_for.as_micros()).unwrap_or(i64::MAX);
        let wait = wait_micros(failures, cfg.free_failures, cfg.lock_after, lock_for);
        let row = ThrottleRow { key: key.clone(), failures, window_start: now, locked_until: now.saturating_add(wait) };
        tx.put_throttle(&row).await?;
        tx.commit().await?;
        Ok(Attempt { key, before })
    }

    /// The attempt succeeded completely: the account starts afresh.
    pub(crate) async fn throttle_clear(&self, tx: &mut WriteTx, attempt: &Attempt) -> Result<(), AppError> {
        tx.lock_throttle(&attempt.key).await?;
        tx.clear_throttle(&attempt.key).await?;
        Ok(())
    }

    /// The password was right but the second factor is still due: the attempt is not held
    /// against the account (the second factor's attempts are counted on their own).
    pub(crate) async fn throttle_give_back(&self, tx: &mut WriteTx, attempt: &Attempt) -> Result<(), AppError> {
        tx.lock_throttle(&attempt.key).await?;
        match &attempt.before {
            Some(r) => tx.put_throttle(r).await?,
            None => tx.clear_throttle(&attempt.key).await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_free_failures_then_lock() {
        let lock = 900 * SECOND_MICROS;
        let w = |n| wait_micros(n, 3, 10, lock) / SECOND_MICROS;
        assert_eq!([w(1), w(2), w(3), w(4), w(5), w(8), w(9), w(10), w(11)], [0, 0, 1, 2, 4, 32, 60, 900, 900]);
        assert_eq!(secs_until(1, 0), 1);
        assert_eq!(secs_until(2 * SECOND_MICROS, 0), 2);
        assert_eq!(account_key(" Bob@Example.COM "), "account:bob@example.com");
    }
}
