package dev.ddtstream.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * A one-line progress bar for requests in flight, redrawn in place on a terminal; elsewhere (CI
 * logs) a line at each quarter.
 */
final class Progress implements AutoCloseable {

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final int total;
    private final IntSupplier done;
    private final IntSupplier failed;
    private final long start = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private final Thread painter;
    private int lastQuarter = -1;

    Progress(PrintStream out, int total, IntSupplier done, IntSupplier failed) {
        this.out = out;
        this.total = total;
        this.done = done;
        this.failed = failed;
        this.painter = new Thread(this::paintUntilInterrupted, "progress");
        painter.setDaemon(true);
        painter.start();
    }

    private void paintUntilInterrupted() {
        try {
            while (true) {
                paint();
                Thread.sleep(terminal ? 200 : 500);
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    private synchronized void paint() {
        int d = done.getAsInt();
        int quarter = total == 0 ? 4 : 4 * d / total;
        if (!terminal && quarter == lastQuarter) {
            return;
        }
        lastQuarter = quarter;
        double seconds = (System.nanoTime() - start) / 1e9;
        int filled = total == 0 ? WIDTH : WIDTH * d / total;
        String line = String.format(Locale.ROOT, "[%s%s] %d/%d answered, %d failed, %.1f req/s, %.0f s",
                "#".repeat(filled), ".".repeat(WIDTH - filled), d, total, failed.getAsInt(), d / Math.max(seconds, 1e-3), seconds);
        out.print(terminal ? "\r" + line : line + System.lineSeparator());
        out.flush();
    }

    @Override
    public void close() {
        painter.interrupt();
        try {
            painter.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lastQuarter = -1;
        paint();
        if (terminal) {
            out.println();
        }
    }
}
