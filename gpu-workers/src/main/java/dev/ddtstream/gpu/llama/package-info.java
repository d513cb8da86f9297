/**
 * LLaMA decoding: KV cache, left padding, classifier-free guidance, mode-restricted greedy or seeded sampling ({@link dev.ddtstream.gpu.llama.LlamaDecoder}).
 */
package dev.ddtstream.gpu.llama;
