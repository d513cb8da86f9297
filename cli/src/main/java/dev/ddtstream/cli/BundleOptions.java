package dev.ddtstream.cli;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.runtime.DeviceSpec;
import dev.ddtstream.gpu.runtime.RuntimeConfig;
import dev.ddtstream.gpu.runtime.SessionFactory;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which bundle an in-process benchmark loads, and where it runs. */
final class BundleOptions {

    @Option(names = "--bundle", description = "Model bundle directory (default: DDT_BUNDLE, else the committed bundle).")
    Path bundle;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda:N or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads; 0 = its default (default: ${DEFAULT-VALUE}).")
    int threads;

    Path directory() {
        return BundleLocator.locate(bundle == null ? null : bundle.toString())
                .orElseThrow(() -> new IllegalArgumentException("no model bundle: pass --bundle or set DDT_BUNDLE"));
    }

    ModelBundle load() {
        RuntimeConfig runtime = new RuntimeConfig(DeviceSpec.parse(device), threads, 0, RuntimeConfig.GraphOptimization.ALL, true);
        return ModelBundle.load(directory(), new SessionFactory(runtime));
    }
}
