// Content credentials: each signed file of an output, found again by the SHA-256 of the signed bytes.
CREATE CONSTRAINT signed_asset_sha256 IF NOT EXISTS FOR (s:SignedAsset) REQUIRE s.sha256 IS UNIQUE;
CREATE INDEX signed_asset_manifest IF NOT EXISTS FOR (s:SignedAsset) ON (s.manifest_label);
