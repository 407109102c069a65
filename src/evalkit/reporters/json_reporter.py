"""The JSON result (schemas/result.schema.json): everything, for machines and for the record."""

from evalkit.reporters.base import Reporter, ReportOptions


def render_json(evaluation, options: ReportOptions) -> str:
    return evaluation.to_json()


JSON_REPORTER = Reporter(name="json", extension=".json", render=render_json,
                         description="Full result with every item's value, rule, points and weight")
