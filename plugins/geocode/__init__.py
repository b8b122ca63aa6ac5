"""Built-in source `geocode` (loaded by path by the plugin host; see plugin.toml)."""
