"""Scorecard definitions: documents with line numbers, the model, validation, expressions, periods."""
