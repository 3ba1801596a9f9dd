-- The management cell's actions join the one audit trail (catalog/audit.py):
-- target_type 'index', 'api_key', 'activation_code' and 'anomaly' rows, listed
-- newest first for the cell, one kind at a time or all. This index serves that
-- listing without reading the sheets' rows, which are far more numerous.
CREATE INDEX audit_log_kind ON audit_log(target_type, id);
