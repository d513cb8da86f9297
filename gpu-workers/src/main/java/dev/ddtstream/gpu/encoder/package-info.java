/**
 * The DDT image tokenizer stage: safe image decoding and {@link dev.ddtstream.gpu.encoder.DdtEncoder} (image to T codes).
 */
package dev.ddtstream.gpu.encoder;
