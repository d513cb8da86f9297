/**
 * The stage benchmark: per-stage latency and throughput by batch size, KV-cache decoding against
 * recomputing the sequence, and the share of time spent outside ONNX Runtime calls.
 */
package dev.ddtstream.gpu.bench;
