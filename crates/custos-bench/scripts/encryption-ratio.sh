#!/usr/bin/env bash
# Encryption cost as ratios measured in one run: builds custos-bench twice — as shipped, and
# with `--cfg custos_bench_plaintext` (sensitive fields stored in clear; only ever in this
# separate target directory, never in the `custos` binary) — runs the HTTP create/get and the
# bulk insert with each, and prints encrypted/plaintext ratios.
# Usage: crates/custos-bench/scripts/encryption-ratio.sh [duration_secs] [bulk_rows]
set -euo pipefail
cd "$(dirname "$0")/../../.."
secs="${1:-10}"
rows="${2:-100000}"
cargo build --release -q -p custos-bench
RUSTFLAGS="--cfg custos_bench_plaintext" cargo build --release -q -p custos-bench --target-dir target/bench-plaintext
enc=target/release/custos-bench
plain=target/bench-plaintext/release/custos-bench
out=$(mktemp -d)
# Interleave encrypted and plaintext runs so that drift of the machine hits both alike.
"$enc" --duration-secs "$secs" > "$out/enc-http.md"
"$plain" --duration-secs "$secs" > "$out/plain-http.md"
"$enc" --mode bulk --rows "$rows" > "$out/enc-bulk.txt"
"$plain" --mode bulk --rows "$rows" > "$out/plain-bulk.txt"
# Custos rows of the Markdown table: | scenario | server | requests | req/s | p50 | p99 | max | errors |
field() { awk -F'|' -v s="$2" -v c="$3" '$2 ~ s && $3 ~ /Custos/ {gsub(/ /,"",$c); print $c}' "$1"; }
echo "| figure | encrypted | plaintext build | ratio (encrypted / plaintext) |"
echo "|---|---:|---:|---:|"
for sc in create-customer get-customer; do
  e=$(field "$out/enc-http.md" "$sc" 5); p=$(field "$out/plain-http.md" "$sc" 5)
  echo "| $sc req/s | $e | $p | $(awk -v a="$e" -v b="$p" 'BEGIN{printf "%.2f", a/b}') |"
  e=$(field "$out/enc-http.md" "$sc" 6); p=$(field "$out/plain-http.md" "$sc" 6)
  echo "| $sc p50 ms | $e | $p | $(awk -v a="$e" -v b="$p" 'BEGIN{printf "%.2f", a/b}') |"
done
e=$(grep -o '= [0-9]* customers/s' "$out/enc-bulk.txt" | tr -dc 0-9); p=$(grep -o '= [0-9]* customers/s' "$out/plain-bulk.txt" | tr -dc 0-9)
echo "| bulk insert of $rows customers, customers/s | $e | $p | $(awk -v a="$e" -v b="$p" 'BEGIN{printf "%.2f", a/b}') |"
echo
echo "raw outputs: $out"
