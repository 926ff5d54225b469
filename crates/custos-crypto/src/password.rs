//! Password hashing with Argon2id at the OWASP parameters (m = 19456 KiB, t = 2, p = 1,
//! 16-byte random salt, 32-byte output) in PHC string format. It never stores, logs or
//! returns a password, and never compares hashes in variable time.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::{CryptoError, OsRandom, SecureRandom};

/// Memory cost in KiB (OWASP Password Storage Cheat Sheet, Argon2id option 2).
pub const MEMORY_KIB: u32 = 19_456;
/// Number of passes.
pub const ITERATIONS: u32 = 2;
/// Degree of parallelism.
pub const PARALLELISM: u32 = 1;
/// Salt length in bytes.
pub const SALT_LEN: usize = 16;
/// Hash output length in bytes.
pub const OUTPUT_LEN: usize = 32;

/// Upper bounds accepted when verifying a stored hash, so that a corrupted or hostile
/// hash string cannot make one login attempt allocate gigabytes or run for minutes.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_ITERATIONS: u32 = 16;
const MAX_PARALLELISM: u32 = 16;

fn hasher() -> Result<Argon2<'static>, CryptoError> {
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, Some(OUTPUT_LEN)).map_err(|_| CryptoError::PasswordHashing)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_bytes(password: &[u8], rng: &dyn SecureRandom) -> Result<String, CryptoError> {
    let mut salt = [0u8; SALT_LEN];
    rng.fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| CryptoError::PasswordHashing)?;
    let hash = hasher()?.hash_password(password, &salt).map_err(|_| CryptoError::PasswordHashing)?;
    Ok(hash.to_string())
}

/// Hash `password` with Argon2id and a fresh random salt; returns a PHC string such as
/// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
pub fn hash_password(password: &str, rng: &dyn SecureRandom) -> Result<String, CryptoError> {
    hash_bytes(password.as_bytes(), rng)
}

fn parse(phc: &str) -> Result<(PasswordHash<'_>, Params), CryptoError> {
    let parsed = PasswordHash::new(phc).map_err(|_| CryptoError::MalformedPasswordHash("not a PHC string"))?;
    if parsed.algorithm != argon2::ARGON2ID_IDENT {
        return Err(CryptoError::MalformedPasswordHash("algorithm is not argon2id"));
    }
    if parsed.version != Some(Version::V0x13.into()) {
        return Err(CryptoError::MalformedPasswordHash("version is not 19"));
    }
    let params = Params::try_from(&parsed).map_err(|_| CryptoError::MalformedPasswordHash("invalid parameters"))?;
    if params.m_cost() > MAX_MEMORY_KIB || params.t_cost() > MAX_ITERATIONS || params.p_cost() > MAX_PARALLELISM {
        return Err(CryptoError::MalformedPasswordHash("parameters exceed the accepted maximum"));
    }
    match (&parsed.salt, &parsed.hash) {
        (Some(_), Some(h)) if h.len() >= 16 => Ok((parsed, params)),
        _ => Err(CryptoError::MalformedPasswordHash("salt or hash missing or too short")),
    }
}

/// Check `password` against a stored PHC string. `Ok(false)` on a wrong password;
/// `Err` when the stored hash is malformed, not Argon2id v19, or has absurd parameters.
/// The comparison of hash outputs is constant-time.
pub fn verify_password(password: &str, phc: &str) -> Result<bool, CryptoError> {
    let (parsed, _) = parse(phc)?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(_) => Err(CryptoError::MalformedPasswordHash("hash cannot be recomputed")),
    }
}

/// True when a (valid) stored hash was made with parameters other than the current ones,
/// so the caller should rehash the password after a successful login. Malformed hashes
/// are an error.
pub fn needs_rehash(phc: &str) -> Result<bool, CryptoError> {
    let (parsed, params) = parse(phc)?;
    let output_len = parsed.hash.map(|h| h.len()).unwrap_or(0);
    Ok(params.m_cost() != MEMORY_KIB
        || params.t_cost() != ITERATIONS
        || params.p_cost() != PARALLELISM
        || output_len != OUTPUT_LEN)
}

/// Used only if hashing the dummy secret at run time were ever to fail: an Argon2id hash
/// (current parameters) of 32 random bytes that were thrown away when it was made.
const FALLBACK_DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$4M+A5bjpu5RFNfkpfdlJng$N+eHMFd5dl+WAftswsZETNSyspSGuO+VGCHy9C1VHdw";

/// A valid PHC hash, with the current parameters, of a random secret nobody knows.
/// Verify against it when the user does not exist, so that "unknown user" and "wrong
/// password" take the same time. Computed once per process.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let secret = crate::rng::random_key::<32>(&OsRandom);
        hash_bytes(secret.as_slice(), &OsRandom).unwrap_or_else(|_| FALLBACK_DUMMY_HASH.to_owned())
    })
}

#[cfg(test)]
mod tests;
