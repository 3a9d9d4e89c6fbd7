"""Demo content for the federated commons server (pure data, no project imports)."""
