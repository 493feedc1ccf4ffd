"""Wire contracts shared by more than one service: the single typed source both sides import.

Only types and constants live here (no I/O, no imports of the services), so the action server and the
gateway can both depend on it without depending on each other.
"""
