"""Domain services: knowledge base, search, users."""
