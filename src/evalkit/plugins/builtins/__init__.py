"""The built-in plugins: rules, loaders and reporters, registered through the public hooks."""
