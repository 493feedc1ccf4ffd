"""The editable FAQ store in Redis (entries, validation, import/export, unanswered, learning). Imports engine."""
