"""The downloads of a published plan version. Each writer reads a ``PlanDocument`` only."""
