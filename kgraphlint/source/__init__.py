"""Stage 1, loading sources: files, notebooks and Markdown, the summary tables they recorded, parsing, positions."""
