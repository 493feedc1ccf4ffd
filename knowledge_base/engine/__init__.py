"""The search and decision path: corpus, normalisation, encoders, hybrid search, gate. Imports only common."""
