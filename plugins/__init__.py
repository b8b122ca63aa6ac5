"""Built-in data-source plugins: text_extract, username_sweep, web_page, rdap, dns_records,
wayback, geocode, phone, exif.

Each folder is a plugin like any third-party one (plugin.toml + source.py importing only
workbench.sdk). The plugin host loads them by path under a private module namespace; this
package exists so that wheels and the PyInstaller bundle carry the folders.
"""
