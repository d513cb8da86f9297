/**
 * ONNX Runtime sessions and devices: {@link dev.ddtstream.gpu.runtime.RuntimeConfig} (device cpu / cuda:N / auto, threads, optimisation, arena) and {@link dev.ddtstream.gpu.runtime.SessionFactory}.
 */
package dev.ddtstream.gpu.runtime;
