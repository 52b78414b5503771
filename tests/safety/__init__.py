"""The safety tier: atomic builds, hostile input, hostile snippets, escaping (real processes, no mocks)."""
