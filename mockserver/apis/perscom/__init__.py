"""PERSCOM events (api.perscom.io): pure business-rule helpers; see specs/perscom.yaml."""
