"""Renderers: turn a report into text, JSON, SARIF or GitHub annotations."""
