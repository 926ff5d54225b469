-- Reports: covering indexes for the deal aggregates, measured at 100,000 deals (one pipeline,
-- 60 % open, 40 % closed) on SQLite, where they turn ~20,000–60,000 row lookups per report
-- into one ordered index scan. The owner, team and customer columns let the record-scope
-- clause of a rep or a manager be checked from the index too.
-- Open deals (pipeline value by stage and the weighted forecast, one scan for both): equality
-- on pipeline, status and currency, then stage and expected close in order (no sort).
CREATE INDEX deals_open_value ON deals(pipeline_id, status, currency, stage_id, expected_close, amount_minor, owner_id, team_id, customer_id);
-- Closed deals (won per month, win rate and sales cycle): the same leading columns as the
-- index of migration 0008 it replaces, so every query that used it still does.
DROP INDEX deals_closed;
CREATE INDEX deals_closed ON deals(status, closed_at, pipeline_id, currency, amount_minor, created_at, owner_id, team_id, customer_id);
