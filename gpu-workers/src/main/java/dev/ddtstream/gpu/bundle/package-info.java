/**
 * Model bundles: locating ({@link dev.ddtstream.gpu.bundle.BundleLocator}), reading the manifest, and loading with verification against the ONNX graphs ({@link dev.ddtstream.gpu.bundle.ModelBundle}).
 */
package dev.ddtstream.gpu.bundle;
