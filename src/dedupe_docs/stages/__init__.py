"""One cleaning, in data order: read, normalize, segment, shingle, sign, index, detect,
decide, emit."""
