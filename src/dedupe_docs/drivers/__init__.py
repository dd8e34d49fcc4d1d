"""The stages run over a whole corpus: in memory, in bounded memory, or after a persisted index."""
