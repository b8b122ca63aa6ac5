"""Built-in source `dns-records` (loaded by path by the plugin host; see plugin.toml).

Not named `dns`: that would shadow dnspython's `dns` package for anything that imports it.
"""
