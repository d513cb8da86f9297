package dev.ddtstream.infra.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The TCP sockets a process is listening on, read from Linux's {@code /proc}: how tests prove that
 * a service listens on 127.0.0.1 only, whatever the library's defaults.
 */
public final class ListeningSockets {

    private static final Pattern SOCKET_LINK = Pattern.compile("socket:\\[(\\d+)]");
    private static final String LISTEN = "0A";

    private ListeningSockets() {
    }

    /** Whether this platform exposes {@code /proc/<pid>/net/tcp} (Linux). */
    public static boolean supported() {
        return Files.isReadable(Path.of("/proc/self/net/tcp"));
    }

    /** Every address the process {@code pid} listens on (IPv4 and IPv6). */
    public static List<InetSocketAddress> of(long pid) {
        Set<String> inodes = socketInodes(pid);
        List<InetSocketAddress> listening = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path path = Path.of("/proc", String.valueOf(pid), "net", table);
            if (!Files.isReadable(path)) {
                continue;
            }
            List<String> lines = readLines(path);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && LISTEN.equals(f[3]) && inodes.contains(f[9])) {
                    listening.add(parse(f[1]));
                }
            }
        }
        return listening;
    }

    /** The listening addresses of {@code pid} that are not on the loopback interface. */
    public static List<InetSocketAddress> beyondLoopback(long pid) {
        return of(pid).stream().filter(a -> !a.getAddress().isLoopbackAddress()).toList();
    }

    private static Set<String> socketInodes(long pid) {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            fds.forEach(fd -> {
                try {
                    Matcher m = SOCKET_LINK.matcher(Files.readSymbolicLink(fd).toString());
                    if (m.matches()) {
                        inodes.add(m.group(1));
                    }
                } catch (IOException closedMeanwhile) {
                    // A descriptor closed between listing and reading is not listening.
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list descriptors of process " + pid, e);
        }
        return inodes;
    }

    /** Parses {@code 0100007F:1F90} (IPv4) or 32 hex digits {@code :port} (IPv6), both in host byte order per 32-bit word. */
    static InetSocketAddress parse(String hexAddressAndPort) {
        String[] parts = hexAddressAndPort.split(":");
        String hex = parts[0];
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = (word * 4 + (3 - i)) * 2;
                bytes[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), Integer.parseInt(parts[1], 16));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address " + hexAddressAndPort, e);
        }
    }

    private static List<String> readLines(Path path) {
        try {
            return Files.readAllLines(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
