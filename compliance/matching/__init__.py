"""Explainable fuzzy name matching: features, weights, scorer, and the Matcher over an index."""
