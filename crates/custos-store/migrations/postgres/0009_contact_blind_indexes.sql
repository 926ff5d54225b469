-- Lead conversion looks for contacts that share the lead's e-mail or mobile (blind-index
-- match, inside its write transaction): index those two digests of contacts like the
-- customers' (0003). Partial, so contacts without the value cost nothing.
CREATE INDEX contacts_email_bidx ON contacts(email_bidx) WHERE email_bidx IS NOT NULL;
CREATE INDEX contacts_mobile_bidx ON contacts(mobile_bidx) WHERE mobile_bidx IS NOT NULL;
