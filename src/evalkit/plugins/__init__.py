"""The plugin host: hook specifications, the manager and registry, the built-in plugins."""
