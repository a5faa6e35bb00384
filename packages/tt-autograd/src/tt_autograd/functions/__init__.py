"""The differentiable primitives, one ``Function`` per operation, grouped by kind."""
