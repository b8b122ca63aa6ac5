"""Built-in source `username-sweep` (loaded by path by the plugin host; see plugin.toml)."""
