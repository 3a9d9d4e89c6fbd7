"""The commons vocabulary: terms, JSON-LD contexts, typed objects, RDF and shapes.

Nothing here knows the database or the web application.
"""
