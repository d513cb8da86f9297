/**
 * The gpu-workers service: {@link dev.ddtstream.gpu.service.GpuWorkersConfig} (one properties
 * file plus {@code DDT_*} environment overrides) and {@link dev.ddtstream.gpu.service.GpuWorkers},
 * which loads the bundle once and runs a pool per configured stage with a Prometheus endpoint.
 */
package dev.ddtstream.gpu.service;
