"""Package data: the seed shipped with relations-db (data/seed.yaml), importable as relations_db.data."""
