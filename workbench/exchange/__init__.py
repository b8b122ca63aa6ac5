"""Hand-off formats of a case: STIX 2.1, GraphML, GEXF and CSV exports; GraphML, GEXF and CSV
imports into a case (one transaction, audited with the source file's SHA-256); and the case
archive (one file with the case data, evidence blobs and a SHA-256 manifest, optionally
encrypted with AES-256-GCM under a scrypt-derived key). See docs/exchange.md."""
