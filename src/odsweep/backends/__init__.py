"""Search engines: optuna (local) and katib (cluster)."""
