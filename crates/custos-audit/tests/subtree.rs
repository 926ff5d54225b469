//! Tests for joining precomputed subtree roots: `TreeBuilder::push_subtree` and
//! `TreeBuilder::root_with_tail` give the roots pushing every leaf gives, and refuse
//! subtrees that do not fit.

use custos_audit::{AuditError, Hash, TreeBuilder, leaf_hash, root_from_leaf_hashes};

fn leaves(n: usize) -> Vec<Hash> {
    (0..n as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

#[test]
fn subtrees_and_tails_give_the_same_roots_as_leaves() {
    let all = leaves(600);
    for chunk in [1u64, 2, 4, 32, 64] {
        let c = chunk as usize;
        let mut b = TreeBuilder::new();
        for (i, part) in all.chunks(c).enumerate() {
            // Every size inside this chunk: whole chunks so far plus a partial tail.
            for t in 1..part.len() {
                let tail = root_from_leaf_hashes(&part[..t]);
                let want = root_from_leaf_hashes(&all[..i * c + t]);
                assert_eq!(b.root_with_tail(&tail, t as u64).unwrap(), want, "chunk {chunk}, #{i}, +{t}");
            }
            if part.len() == c {
                b.push_subtree(root_from_leaf_hashes(part), chunk).unwrap();
                assert_eq!(b.root(), root_from_leaf_hashes(&all[..(i + 1) * c]));
                assert_eq!(b.size(), ((i + 1) * c) as u64);
            }
        }
    }
    // Mixed: leaves, then subtrees once aligned, then leaves again.
    let mut b = TreeBuilder::new();
    for l in &all[..64] {
        b.push(*l);
    }
    b.push_subtree(root_from_leaf_hashes(&all[64..128]), 64).unwrap();
    b.push_subtree(root_from_leaf_hashes(&all[128..256]), 128).unwrap();
    for l in &all[256..300] {
        b.push(*l);
    }
    assert_eq!(b.root(), root_from_leaf_hashes(&all[..300]));
}

#[test]
fn misaligned_subtrees_and_tails_are_refused() {
    let all = leaves(8);
    let mut b = TreeBuilder::new();
    assert!(b.push_subtree(all[0], 3).is_err());
    assert!(b.push_subtree(all[0], 0).is_err());
    b.push(all[0]);
    assert!(matches!(b.push_subtree(all[1], 2), Err(AuditError::SubtreeMisaligned { size: 1, leaves: 2 })));
    assert_eq!(b.size(), 1, "a refused subtree changes nothing");
    b.push(all[1]);
    assert!(b.root_with_tail(&all[2], 2).is_err(), "a tail as large as the smallest subtree");
    assert!(b.root_with_tail(&all[2], 0).is_err(), "an empty tail");
    assert_eq!(b.root_with_tail(&all[2], 1).unwrap(), root_from_leaf_hashes(&all[..3]));
    assert_eq!(TreeBuilder::new().root_with_tail(&all[5], 7).unwrap(), all[5]);
}
