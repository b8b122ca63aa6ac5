"""The evidence locker: custody log, integrity checks, derived copies, links to the graph.

The repository itself is `workbench.store.evidence.EvidenceRepository` (`ws.evidence`); this
package holds what it builds on (records, the custody log, content analysis, metadata
stripping) and the `workbench evidence ...` commands.
"""
