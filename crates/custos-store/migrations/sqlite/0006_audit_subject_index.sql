-- Impact queries join events to the customers they concern by seq ("which customers did
-- actor X touch"): index the subject rows by seq.
CREATE INDEX audit_subjects_seq ON audit_subjects(seq, customer_id);
