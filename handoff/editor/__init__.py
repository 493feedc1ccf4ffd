"""HTTP handlers of the FAQ editor API (mounted on the gateway by ``handoff.editor_api.setup``)."""
