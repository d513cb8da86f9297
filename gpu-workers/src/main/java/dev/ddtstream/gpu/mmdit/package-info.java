/**
 * The MMDiT rectified-flow sampler that renders T codes into an image ({@link dev.ddtstream.gpu.mmdit.MmditSampler}).
 */
package dev.ddtstream.gpu.mmdit;
