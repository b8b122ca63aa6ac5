"""Built-in source `rdap` (loaded by path by the plugin host; see plugin.toml)."""
