//! Input loading: files, byte spans, spanned YAML and TOML trees, embedded TOML.
