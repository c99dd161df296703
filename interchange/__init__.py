"""Standard formats in and out, through their own libraries: C2PA content credentials (c2pa-python),
W3C PROV (prov) and OpenLineage run events. Imports the domain (registry) only."""
