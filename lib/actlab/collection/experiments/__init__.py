"""Per-notebook experiment logic (model builders, training loops, result tables).

One module per notebook topic, so notebooks stay thin.
"""
