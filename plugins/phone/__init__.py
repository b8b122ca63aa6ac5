"""Built-in source `phone` (loaded by path by the plugin host; see plugin.toml)."""
