package dev.ddtstream.gpu.llama;

/** What a decoding request may emit. */
public enum DecodeMode {
    /** Exactly T visual codes (the LLM's coarse-first order), nothing else; then the sequence is done. */
    IMAGE,
    /** Word tokens and end-of-sequence only; stops at end-of-sequence or the request's maximum length. */
    TEXT
}
