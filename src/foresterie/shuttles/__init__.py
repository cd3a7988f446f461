"""Shuttles: daily routes (VRPTW per foresteria, day and direction), trip chaining, the engines, the Solomon reader."""
