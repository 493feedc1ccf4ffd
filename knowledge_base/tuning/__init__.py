"""Offline tools that fit and measure the thresholds (calibration, evaluation, transfer). Never imported at run time."""
