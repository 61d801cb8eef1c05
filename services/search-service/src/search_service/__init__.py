"""search-service: The product search index: relevance, typo tolerance, facets and suggestions (PostgreSQL full text or Elasticsearch)."""

__version__ = "0.1.0"
