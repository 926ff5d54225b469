//! Signed checkpoints: the C2SP tlog-checkpoint body (<https://c2sp.org/tlog-checkpoint>)
//! wrapped in a C2SP signed note (<https://c2sp.org/signed-note>) with an Ed25519
//! signature, compatible with Go's `golang.org/x/mod/sumdb/note`. It formats, signs and
//! verifies; it never decides which origin or key to trust, never stores or fetches
//! checkpoints and never generates keys (the seed comes in from the caller).
//!
//! Checkpoint body: `<origin>\n<size in decimal>\n<base64 root>\n` followed by optional
//! non-empty extension lines, each ending in `\n`.
//!
//! Signed note: `<body>\n` then one or more lines `— <key name> <base64(key id || sig)>\n`
//! (U+2014 EM DASH, space). The key id is the first 4 bytes (big-endian `u32`) of
//! `SHA-256(key name || "\n" || 0x01 || 32-byte Ed25519 public key)`; the signature
//! covers the body bytes exactly. A verifier key is written
//! `<name>+<8 hex digits of key id>+<base64(0x01 || public key)>`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::AuditError;
use crate::merkle::Hash;

/// Algorithm byte for Ed25519 in signed-note key ids and verifier keys.
const ALG_ED25519: u8 = 0x01;
/// Prefix of every signature line: EM DASH (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";
/// At most this many signature lines are accepted (as in Go's note package).
const MAX_SIGNATURES: usize = 100;

/// A tree head: the log's origin, its size and its RFC 6962 root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `custos.example.com/audit`; one line, non-empty.
    pub origin: String,
    /// Number of leaves in the tree.
    pub size: u64,
    /// Root hash of the tree of `size` leaves.
    pub root: Hash,
    /// Optional extension lines after the root (without their newlines); usually empty.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Self {
        Self { origin: origin.into(), size, root, extensions: Vec::new() }
    }

    /// The checkpoint body text, ending in a newline. It is only a well-formed body if
    /// the origin and extensions are valid lines (see [`parse_checkpoint_body`]);
    /// [`CheckpointSigner::sign`] checks this.
    #[must_use]
    pub fn body(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root));
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }
}

/// True if `line` is a non-empty line free of control characters.
fn is_valid_line(line: &str) -> bool {
    !line.is_empty() && !line.chars().any(char::is_control)
}

/// Parses a checkpoint body (the text a signed note covers).
///
/// Strict: the body must end in a newline; the size must be canonical decimal (no sign,
/// no leading zeros); the root must be canonical padded base64 of 32 bytes; extension
/// lines must be non-empty; no line may hold control characters.
///
/// # Errors
/// [`AuditError::MalformedCheckpoint`] naming the first problem found.
pub fn parse_checkpoint_body(body: &str) -> Result<Checkpoint, AuditError> {
    let text = body.strip_suffix('\n').ok_or(AuditError::MalformedCheckpoint("body must end with a newline"))?;
    let mut lines = text.split('\n');
    let origin =
        lines.next().filter(|l| is_valid_line(l)).ok_or(AuditError::MalformedCheckpoint("invalid origin line"))?;
    let size_line = lines.next().ok_or(AuditError::MalformedCheckpoint("missing tree size line"))?;
    let size = parse_decimal(size_line).ok_or(AuditError::MalformedCheckpoint("invalid tree size"))?;
    let root_line = lines.next().ok_or(AuditError::MalformedCheckpoint("missing root hash line"))?;
    let root = B64
        .decode(root_line)
        .ok()
        .and_then(|b| Hash::try_from(b.as_slice()).ok())
        .ok_or(AuditError::MalformedCheckpoint("root must be base64 of 32 bytes"))?;
    let mut extensions = Vec::new();
    for line in lines {
        if !is_valid_line(line) {
            return Err(AuditError::MalformedCheckpoint("invalid extension line"));
        }
        extensions.push(line.to_owned());
    }
    Ok(Checkpoint { origin: origin.to_owned(), size, root, extensions })
}

/// Canonical unsigned decimal: ASCII digits only, no leading zero unless it is "0".
fn parse_decimal(s: &str) -> Option<u64> {
    let canonical = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

/// A valid signed-note key name: non-empty, no whitespace, no control characters, no `+`.
fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c.is_control() || c == '+')
}

/// Signed-note key id of an Ed25519 key.
fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Text that a signed note may cover: non-empty, ending in a newline, no control
/// characters other than newline.
fn check_note_text(text: &str) -> Result<(), AuditError> {
    if !text.ends_with('\n') {
        return Err(AuditError::MalformedNote("text must end with a newline"));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AuditError::MalformedNote("control character in note"));
    }
    Ok(())
}

/// Signs checkpoints (and, at the signed-note level, any note text) with one Ed25519 key.
///
/// The secret key is wiped from memory on drop, and `Debug` does not print it.
pub struct CheckpointSigner {
    name: String,
    key_id: u32,
    key: SigningKey,
}

// `SigningKey` (ed25519-dalek with its default "zeroize" feature) wipes itself on drop;
// the name and key id are public.
impl ZeroizeOnDrop for CheckpointSigner {}
const _: fn() = || {
    fn assert_zeroize_on_drop<T: ZeroizeOnDrop>() {}
    assert_zeroize_on_drop::<SigningKey>();
};

impl std::fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .field("key", &"<redacted>")
            .finish()
    }
}

impl CheckpointSigner {
    /// A signer from a 32-byte Ed25519 seed (RFC 8032 private key) and a key name. The
    /// local copy of the seed is wiped; the caller wipes its own.
    ///
    /// # Errors
    /// [`AuditError::InvalidKey`] if the name is empty or holds whitespace, control
    /// characters or `+`.
    pub fn from_seed(mut seed: [u8; 32], name: &str) -> Result<Self, AuditError> {
        if !is_valid_key_name(name) {
            seed.zeroize();
            return Err(AuditError::InvalidKey("invalid key name"));
        }
        let key = SigningKey::from_bytes(&seed);
        seed.zeroize();
        let key_id = key_id(name, key.verifying_key().as_bytes());
        Ok(Self { name: name.to_owned(), key_id, key })
    }

    /// The key name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signed-note key id.
    #[must_use]
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The public verifier key string `<name>+<hex id>+<base64(0x01 || public key)>`.
    #[must_use]
    pub fn verifier_key(&self) -> String {
        let mut data = [0u8; 33];
        data[0] = ALG_ED25519;
        data[1..].copy_from_slice(self.key.verifying_key().as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, B64.encode(data))
    }

    /// A [`Verifier`] for this signer's public key.
    #[must_use]
    pub fn verifier(&self) -> Verifier {
        Verifier { name: self.name.clone(), key_id: self.key_id, key: self.key.verifying_key() }
    }

    /// Signs a checkpoint, returning the full signed note text.
    ///
    /// # Errors
    /// [`AuditError::MalformedCheckpoint`] if the origin or an extension line is empty or
    /// holds a newline or another control character.
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<String, AuditError> {
        let body = checkpoint.body();
        // The body must parse back to the same checkpoint, or a verifier would read
        // something other than what was meant.
        if parse_checkpoint_body(&body)? != *checkpoint {
            return Err(AuditError::MalformedCheckpoint("checkpoint does not round-trip"));
        }
        self.sign_text(&body)
    }

    /// Signs arbitrary signed-note text, returning `text`, a blank line and one signature
    /// line.
    ///
    /// # Errors
    /// [`AuditError::MalformedNote`] if `text` does not end in a newline or holds control
    /// characters other than newline.
    pub fn sign_text(&self, text: &str) -> Result<String, AuditError> {
        check_note_text(text)?;
        let sig = self.key.sign(text.as_bytes());
        let mut blob = [0u8; 68];
        blob[..4].copy_from_slice(&self.key_id.to_be_bytes());
        blob[4..].copy_from_slice(&sig.to_bytes());
        Ok(format!("{text}\n{SIG_PREFIX}{} {}\n", self.name, B64.encode(blob)))
    }
}

/// Verifies signed notes against one trusted Ed25519 key.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("key", &self.key_string()).finish()
    }
}

impl Verifier {
    /// Parses a verifier key string `<name>+<hex key id>+<base64(0x01 || public key)>`.
    ///
    /// # Errors
    /// [`AuditError::InvalidKey`] if the string is malformed, the algorithm is not
    /// Ed25519, the key is not a valid (non-small-order) Ed25519 point, or the key id
    /// does not match the name and key.
    pub fn from_key_string(s: &str) -> Result<Self, AuditError> {
        let (name, rest) = s.split_once('+').ok_or(AuditError::InvalidKey("expected name+id+key"))?;
        let (id_hex, key_b64) = rest.split_once('+').ok_or(AuditError::InvalidKey("expected name+id+key"))?;
        if !is_valid_key_name(name) {
            return Err(AuditError::InvalidKey("invalid key name"));
        }
        if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AuditError::InvalidKey("key id must be 8 hex digits"));
        }
        let id = u32::from_str_radix(id_hex, 16).map_err(|_| AuditError::InvalidKey("key id must be 8 hex digits"))?;
        let data = B64.decode(key_b64).map_err(|_| AuditError::InvalidKey("key is not base64"))?;
        let (alg, public) = data.split_first().ok_or(AuditError::InvalidKey("empty key"))?;
        if *alg != ALG_ED25519 {
            return Err(AuditError::InvalidKey("unsupported key algorithm"));
        }
        let public: [u8; 32] =
            public.try_into().map_err(|_| AuditError::InvalidKey("Ed25519 public key must be 32 bytes"))?;
        if key_id(name, &public) != id {
            return Err(AuditError::InvalidKey("key id does not match name and key"));
        }
        let key = VerifyingKey::from_bytes(&public).map_err(|_| AuditError::InvalidKey("not an Ed25519 public key"))?;
        if key.is_weak() {
            return Err(AuditError::InvalidKey("small-order Ed25519 public key"));
        }
        Ok(Self { name: name.to_owned(), key_id: id, key })
    }

    /// The key name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signed-note key id.
    #[must_use]
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The verifier key string (as accepted by [`Verifier::from_key_string`]).
    #[must_use]
    pub fn key_string(&self) -> String {
        let mut data = [0u8; 33];
        data[0] = ALG_ED25519;
        data[1..].copy_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, B64.encode(data))
    }

    /// Verifies a signed checkpoint note and returns the checkpoint. Which origin is
    /// expected is the caller's decision.
    ///
    /// # Errors
    /// Everything [`Verifier::verify_text`] rejects, and
    /// [`AuditError::MalformedCheckpoint`] if the signed text is not a checkpoint body.
    pub fn verify_note(&self, note: &str) -> Result<Checkpoint, AuditError> {
        parse_checkpoint_body(self.verify_text(note)?)
    }

    /// Verifies a signed note and returns the signed text (ending in a newline).
    ///
    /// Signature lines from other keys (another name or key id) are ignored, as the
    /// signed-note spec requires; at least one signature from this verifier's key must be
    /// present and every such signature must verify.
    ///
    /// # Errors
    /// [`AuditError::MalformedNote`] for a note that breaks the format (no blank line
    /// before the signatures, a bad signature line, control characters, more than 100
    /// signatures, the trusted key signing twice), [`AuditError::UnverifiedNote`] if the
    /// trusted key did not sign, [`AuditError::BadSignature`] if its signature is wrong.
    pub fn verify_text<'a>(&self, note: &'a str) -> Result<&'a str, AuditError> {
        check_note_text(note)?;
        let split = note.rfind("\n\n").ok_or(AuditError::MalformedNote("no blank line before signatures"))?;
        let text = &note[..=split];
        let sigs = &note[split + 2..];
        if sigs.is_empty() {
            return Err(AuditError::MalformedNote("no signature lines"));
        }
        let mut count = 0usize;
        let mut verified = false;
        for line in sigs.split_terminator('\n') {
            count += 1;
            if count > MAX_SIGNATURES {
                return Err(AuditError::MalformedNote("too many signatures"));
            }
            let rest = line
                .strip_prefix(SIG_PREFIX)
                .ok_or(AuditError::MalformedNote("signature line must start with '— '"))?;
            let (name, b64) =
                rest.split_once(' ').ok_or(AuditError::MalformedNote("signature line must be '— name sig'"))?;
            if !is_valid_key_name(name) {
                return Err(AuditError::MalformedNote("invalid key name in signature"));
            }
            let blob = B64.decode(b64).map_err(|_| AuditError::MalformedNote("signature is not base64"))?;
            let (id, sig) = match blob.split_first_chunk::<4>() {
                Some((id, sig)) if !sig.is_empty() => (u32::from_be_bytes(*id), sig),
                _ => return Err(AuditError::MalformedNote("signature too short")),
            };
            if name != self.name || id != self.key_id {
                continue;
            }
            if verified {
                return Err(AuditError::MalformedNote("repeated signature from one key"));
            }
            let sig = Signature::from_slice(sig).map_err(|_| AuditError::BadSignature)?;
            self.key.verify_strict(text.as_bytes(), &sig).map_err(|_| AuditError::BadSignature)?;
            verified = true;
        }
        if verified { Ok(text) } else { Err(AuditError::UnverifiedNote) }
    }
}
