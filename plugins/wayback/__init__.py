"""Built-in source `wayback` (loaded by path by the plugin host; see plugin.toml)."""
