"""Stage 5, graphs and shapes: model graphs from the recorded layer calls, and the summary rows of each model."""
