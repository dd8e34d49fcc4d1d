"""One cleaning, in data order: read, normalize, segment, shingle, sign, index, detect,
boilerplate (page-template keys), decide, reworded, settle (restore removals whose source was
removed, join neighbouring ones), emit; kernels holds the compiled loops they share."""
