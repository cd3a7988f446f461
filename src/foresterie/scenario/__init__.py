"""The scenario: configuration, entities, loading and validation, geodata and matrix-file readers, the writer, the generator."""
