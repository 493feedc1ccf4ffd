"""Rasa custom action server: thin Rasa actions over plain dialogue functions and the knowledge base."""
