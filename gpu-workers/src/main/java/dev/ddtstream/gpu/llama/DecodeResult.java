package dev.ddtstream.gpu.llama;

/**
 * The tokens a request produced (LLaMA vocabulary ids, in emission order; TEXT results end
 * with the end-of-sequence id when it was emitted).
 */
public record DecodeResult(int[] tokens, Finish finish) {

    /** Why decoding of a request stopped. */
    public enum Finish {
        /** IMAGE mode: all T visual tokens emitted. */
        IMAGE_COMPLETE,
        /** TEXT mode: end-of-sequence emitted. */
        END_OF_SEQUENCE,
        /** TEXT mode: maximum length reached without end-of-sequence. */
        MAX_TOKENS
    }
}
