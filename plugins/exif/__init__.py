"""Built-in source `exif` (loaded by path by the plugin host; see plugin.toml)."""
