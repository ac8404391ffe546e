"""Classify: the trained spaCy text classifier and the decision policy."""
