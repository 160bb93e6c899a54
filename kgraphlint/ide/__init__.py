"""The editor: the language server, hovers, and the incremental re-parse of a file being edited."""
