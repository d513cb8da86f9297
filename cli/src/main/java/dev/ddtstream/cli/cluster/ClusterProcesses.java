package dev.ddtstream.cli.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The processes of a local cluster: each started detached from the launcher (it outlives
 * {@code ddt cluster up}), its output in {@code logs/<name>.log}, its pid in {@code pids/<name>.pid},
 * and a marker on its command line naming the run folder, so that {@code down} signals only what
 * {@code up} started, never a process that reuses a recorded pid.
 */
final class ClusterProcesses {

    /** One recorded process. */
    record Recorded(String name, long pid, Optional<ProcessHandle> handle) {

        boolean alive() {
            return handle.map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private final ClusterLayout layout;
    private final String marker;

    ClusterProcesses(ClusterLayout layout) {
        this.layout = layout;
        this.marker = "-Dddt.cluster=" + layout.dir();
    }

    /**
     * Starts {@code name}: a JVM running {@code mainClass} with {@code jvmArgs} and {@code args}, on
     * this launcher's classpath, or with {@code -jar} when {@code mainClass} ends in {@code .jar}.
     */
    long start(String name, List<String> jvmArgs, String mainClass, List<String> args, Map<String, String> env) throws IOException {
        Files.createDirectories(layout.logDir());
        Files.createDirectories(layout.pidDir());
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(marker);
        command.addAll(jvmArgs);
        if (mainClass.endsWith(".jar")) {
            command.addAll(List.of("-jar", mainClass));
        } else {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        }
        command.addAll(args);
        Path log = layout.logDir().resolve(name + ".log");
        ProcessBuilder b = new ProcessBuilder(command)
                .directory(Path.of("").toAbsolutePath().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        b.environment().putAll(env);
        Process p = b.start();
        Files.writeString(layout.pidDir().resolve(name + ".pid"), p.pid() + "\n");
        return p.pid();
    }

    /** Every recorded process, in the order they were started. */
    List<Recorded> recorded() throws IOException {
        if (!Files.isDirectory(layout.pidDir())) {
            return List.of();
        }
        List<Recorded> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(layout.pidDir())) {
            for (Path f : files.filter(f -> f.toString().endsWith(".pid"))
                    .sorted((a, b) -> Long.compare(a.toFile().lastModified(), b.toFile().lastModified())).toList()) {
                String name = f.getFileName().toString().replace(".pid", "");
                long pid = Long.parseLong(Files.readString(f).trim());
                out.add(new Recorded(name, pid, ProcessHandle.of(pid).filter(this::ours)));
            }
        }
        return out;
    }

    /** The recorded process of {@code name}, if it runs. */
    Optional<ProcessHandle> running(String name) throws IOException {
        return recorded().stream().filter(r -> r.name().equals(name)).findFirst().flatMap(Recorded::handle).filter(ProcessHandle::isAlive);
    }

    /** Whether {@code p} was started for this run folder. */
    private boolean ours(ProcessHandle p) {
        return p.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false)
                || p.info().commandLine().map(c -> c.contains(marker)).orElse(false);
    }

    /** SIGTERM, then SIGKILL after {@code grace}; forgets the process. */
    void stop(Recorded r, Duration grace) throws IOException {
        r.handle().filter(ProcessHandle::isAlive).ifPresent(h -> {
            h.destroy();
            try {
                h.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        });
        Files.deleteIfExists(layout.pidDir().resolve(r.name() + ".pid"));
    }
}
