"""Generic helpers every stage uses: errors, time, atomic files and hashing, TOML. Imports nothing of ours."""
