-- Deal lists filtered by status alone (open / won / lost) walk this index in updated_at order
-- instead of sorting every matching deal.
CREATE INDEX deals_status_updated ON deals(status, updated_at);
