"""dedupe_docs inside other data tools: a datatrove pipeline step (:mod:`.datatrove`, extra
``datatrove``) and Hugging Face ``datasets`` functions (:mod:`.hf`, extra ``hf``). Each module
imports its library when imported, and says which extra to install when it is missing; they
use only the package's public API."""
