"""Travel times and distances: the matrix and its backends (haversine, matrix file, OSRM roads), the cache, calibration."""
