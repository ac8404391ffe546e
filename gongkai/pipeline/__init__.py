"""The stages: ingest → extract → detect → classify → store → review → publish."""
