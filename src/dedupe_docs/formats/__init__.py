"""Records in and out: JSON lines, Parquet, Dolma attributes, and safe file names for ids."""
