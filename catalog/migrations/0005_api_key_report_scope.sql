-- An API key may be given the 'report' scope: besides reading, its application files
-- anomaly reports (FHIR Task at /fhir/Task) into the management cell's queue. Such a
-- report has no reporting account; it names the key that filed it instead, and the
-- key lists its own reports.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '';   -- space-separated: '' (read only) or 'report'
ALTER TABLE anomalies ADD COLUMN reporter_api_key_id INTEGER REFERENCES api_keys(id);
CREATE INDEX anomalies_reporter_api_key ON anomalies(reporter_api_key_id);
