-- Exact-match search and duplicate detection on encrypted fields go through blind indexes.
-- Only the searched ones are indexed (e-mail, mobile, national ID; phone and bank account
-- digests are stored but not indexed): every indexed digest is a random-position B-tree
-- insert, so fewer indexes keep write throughput up (BENCHMARKS.md). Partial indexes skip
-- customers without the value.
CREATE INDEX customers_email_bidx ON customers(email_bidx) WHERE email_bidx IS NOT NULL;
CREATE INDEX customers_mobile_bidx ON customers(mobile_bidx) WHERE mobile_bidx IS NOT NULL;
CREATE INDEX customers_national_id_bidx ON customers(national_id_bidx) WHERE national_id_bidx IS NOT NULL;

-- Data keys moved to the key store (keys.db / schema custos_keys), apart from customer data.
DROP TABLE data_keys;
