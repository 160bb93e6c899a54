"""Printing: findings as text, JSON, SARIF or GitHub annotations, summary tables, drawings, coverage statistics."""
