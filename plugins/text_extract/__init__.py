"""Built-in source `text-extract` (loaded by path by the plugin host; see plugin.toml)."""
