"""Arabic FAQ knowledge base: corpus, normalisation, hybrid search and calibrated decisions."""
