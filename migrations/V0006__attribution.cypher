// Attribution: reports unique by digest (the same report twice is stored once), found by the vendor's
// own report id, a vendor's current report per output; earlier vendor-id matches; the webhook replay guard.
CREATE CONSTRAINT attribution_report_digest IF NOT EXISTS FOR (r:AttributionReport) REQUIRE r.digest IS UNIQUE;
CREATE INDEX attribution_report_vendor_report IF NOT EXISTS FOR (r:AttributionReport) ON (r.vendor_id, r.vendor_report_id);
CREATE INDEX attribution_report_vendor_current IF NOT EXISTS FOR (r:AttributionReport) ON (r.vendor_id, r.current);
CREATE INDEX attribution_report_computed_at IF NOT EXISTS FOR (r:AttributionReport) ON (r.computed_at);
CREATE INDEX influence_vendor_work_id IF NOT EXISTS FOR ()-[i:INFLUENCE]-() ON (i.vendor_work_id);
CREATE CONSTRAINT webhook_delivery_key IF NOT EXISTS FOR (d:WebhookDelivery) REQUIRE d.key IS UNIQUE;
CREATE INDEX webhook_delivery_expires_at IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.expires_at);
