//! Measures Merkle root computation over 1,000,000 leaf entries of 200 bytes (leaf hashing
//! plus tree building), as `custos audit verify` does; it never touches storage.
//!
//! Run: `cargo run --release -p custos-audit --example merkle_speed`

use std::time::Instant;

use custos_audit::{TreeBuilder, leaf_hash};

const LEAVES: u64 = 1_000_000;
const ENTRY_LEN: usize = 200;

fn main() {
    // Deterministic ~200-byte entries that differ in their first bytes.
    let mut entry = [0u8; ENTRY_LEN];
    for (i, b) in entry.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(31).wrapping_add(7);
    }

    // Best of three runs, so CPU frequency and caches settle.
    let mut best = f64::INFINITY;
    let mut root = [0u8; 32];
    for _ in 0..3 {
        let start = Instant::now();
        let mut tree = TreeBuilder::new();
        for i in 0..LEAVES {
            entry[..8].copy_from_slice(&i.to_be_bytes());
            tree.push(leaf_hash(&entry));
        }
        root = tree.root();
        best = best.min(start.elapsed().as_secs_f64());
    }
    let hex: String = root.iter().map(|b| format!("{b:02x}")).collect();
    println!(
        "{LEAVES} leaves of {ENTRY_LEN} bytes: best of 3 = {:.3} s, {:.0} leaves/s (root {hex})",
        best,
        LEAVES as f64 / best
    );
}
