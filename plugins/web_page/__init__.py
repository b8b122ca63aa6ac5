"""Built-in source `web-page` (loaded by path by the plugin host; see plugin.toml)."""
