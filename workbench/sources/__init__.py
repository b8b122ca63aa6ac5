"""The data-source plugin host: manifests, discovery, the policy-enforcing HTTP layer, runs.

Plugins see only `workbench.sdk`. The UI and CLI use `workbench.sources.host.SourceHost`
(list plugins, pre-flight, start runs) and `workbench.sources.runner` (run events, cancel).
"""
