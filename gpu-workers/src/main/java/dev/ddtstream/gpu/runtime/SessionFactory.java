package dev.ddtstream.gpu.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens ONNX Runtime sessions with one {@link RuntimeConfig}. The device is resolved once, at
 * construction: {@code auto} picks CUDA device 0 when its provider loads, else CPU, and says
 * which and why in one INFO line; an explicit {@code cuda:N} that cannot load fails here
 * instead of silently running on the CPU.
 */
public final class SessionFactory {

    private static final Logger LOG = LoggerFactory.getLogger(SessionFactory.class);

    private final OrtEnvironment env;
    private final RuntimeConfig config;
    private final DeviceSpec resolved;

    public SessionFactory(RuntimeConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.env = OrtEnvironment.getEnvironment();
        this.resolved = resolve(config.device());
    }

    public OrtEnvironment environment() {
        return env;
    }

    public RuntimeConfig config() {
        return config;
    }

    /** The device sessions actually run on ({@code cpu} or {@code cuda:N}, never {@code auto}). */
    public DeviceSpec device() {
        return resolved;
    }

    /** Opens a session for one ONNX file. */
    public OrtSession open(Path model) throws OrtException {
        try (OrtSession.SessionOptions options = options(resolved)) {
            return env.createSession(model.toString(), options);
        }
    }

    private DeviceSpec resolve(DeviceSpec wanted) {
        switch (wanted.kind()) {
            case CPU:
                return DeviceSpec.CPU;
            case CUDA:
                String why = cudaProblem(wanted.index());
                if (why != null) {
                    throw new DeviceUnavailableException("device " + wanted + " was configured but CUDA cannot be used: " + why
                            + ". Build with the 'cuda' Maven profile (onnxruntime_gpu) on a machine with an NVIDIA GPU and CUDA/cuDNN,"
                            + " or configure device=cpu or device=auto.", null);
                }
                return wanted;
            default:
                String problem = cudaProblem(0);
                if (problem == null) {
                    LOG.info("device auto -> cuda:0 (CUDA execution provider loaded)");
                    return DeviceSpec.cuda(0);
                }
                LOG.info("device auto -> cpu ({})", problem);
                return DeviceSpec.CPU;
        }
    }

    /** Returns null when CUDA device {@code index} can be attached to a session, else the reason. */
    private String cudaProblem(int index) {
        EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
        if (!providers.contains(OrtProvider.CUDA)) {
            return "this ONNX Runtime build has no CUDA execution provider (available: " + providers + ")";
        }
        try (OrtSession.SessionOptions probe = new OrtSession.SessionOptions()) {
            probe.addCUDA(index);
            return null;
        } catch (OrtException | RuntimeException e) {
            return "the CUDA execution provider failed to load for device " + index + ": " + e.getMessage();
        }
    }

    private OrtSession.SessionOptions options(DeviceSpec device) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        try {
            if (config.intraOpThreads() > 0) {
                o.setIntraOpNumThreads(config.intraOpThreads());
            }
            if (config.interOpThreads() > 0) {
                o.setInterOpNumThreads(config.interOpThreads());
            }
            o.setOptimizationLevel(switch (config.optimization()) {
                case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
                case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
                case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
                case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            });
            o.setCPUArenaAllocator(config.cpuMemoryArena());
            // ONNX Runtime's pool threads spin after each call by default; between two LLaMA steps the worker's own
            // thread samples, and on a small machine the spinning took its cores (sampling 6.4-6.6% of a guided
            // decode step at the paper's geometry with spinning, 5.0-5.1% without, the step time unchanged)
            o.addConfigEntry("session.intra_op.allow_spinning", "0");
            if (device.kind() == DeviceSpec.Kind.CUDA) {
                o.addCUDA(device.index());
            }
            return o;
        } catch (OrtException | RuntimeException e) {
            o.close();
            throw e;
        }
    }
}
