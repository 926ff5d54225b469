//! Hex encoding and decoding of key material into zeroizing buffers; never allocates
//! a copy of a key that is not wiped on drop.

use zeroize::Zeroizing;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Append the lower-case hex of `bytes` to `out`. `out` should have enough capacity
/// reserved so that it does not reallocate (and leave copies behind).
pub(crate) fn push_hex(out: &mut Zeroizing<String>, bytes: &[u8]) {
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
}

/// Decode exactly 32 bytes of hex (either case).
pub(crate) fn decode_key(text: &str) -> Option<Zeroizing<[u8; 32]>> {
    let mut out = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text, out.as_mut_slice()).ok()?;
    Some(out)
}
