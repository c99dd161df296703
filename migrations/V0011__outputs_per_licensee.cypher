// Each licensee's declaration of one audio is its own output: outputs are unique by (licensee, content
// hash), no longer by the hash alone, so a declaration never meets another licensee's output and tells it
// nothing (docs/access.md, "Outputs are keyed by licensee and audio"). Look-ups by hash keep their own index.
DROP CONSTRAINT output_content_hash IF EXISTS;
CREATE CONSTRAINT output_licensee_content_hash IF NOT EXISTS FOR (o:Output) REQUIRE (o.licensee_id, o.content_hash) IS UNIQUE;
CREATE INDEX output_content_hash_lookup IF NOT EXISTS FOR (o:Output) ON (o.content_hash);
// One node per declared audio: declarations of one audio take its lock, so two licensees declaring it at
// once cannot both miss each other, and it carries the dispute that two licensees holding it opens.
CREATE CONSTRAINT audio_content_hash IF NOT EXISTS FOR (a:Audio) REQUIRE a.content_hash IS UNIQUE;
CREATE INDEX audio_disputed_at IF NOT EXISTS FOR (a:Audio) ON (a.disputed_at);
// Outputs declared before held their licensee through their model only.
MATCH (m:Model)-[:GENERATED]->(o:Output) WHERE o.licensee_id IS NULL SET o.licensee_id = m.licensee_id;
