package dev.ddtstream.cli.faults;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What one fault did to a steady load: the exactly-once audit of the committed topics; the stall
 * (the longest time without any answer at all from the fault on) next to the longest such gap
 * before it; and the slowest request answered after the fault (the stall of the partitions the
 * struck process held) next to the slowest before it.
 *
 * @param requests    requests sent
 * @param answered    requests whose answer reached the client
 * @param failed      of those, answered with an error result
 * @param lost        requests without a committed answer on the result topics
 * @param duplicated  requests with more than one committed answer
 * @param servedTwice (stage, request) pairs in more than one committed batch of that stage
 * @param evaluated   image answers with exactly one committed evaluation
 * @param imaged      image answers
 */
public record DrillResult(Fault fault, int requests, int answered, int failed, int lost, int duplicated, int servedTwice,
                          int evaluated, int imaged, Duration normalGap, Duration stall, Duration slowestBefore,
                          Duration slowestAfter) {

    /** Nothing lost, nothing twice, every image evaluated once. */
    public boolean exactlyOnce() {
        return lost == 0 && duplicated == 0 && servedTwice == 0 && evaluated == imaged;
    }

    /** The results as a Markdown table. */
    public static String table(List<DrillResult> results) {
        StringBuilder out = new StringBuilder("| fault (under load) | requests | lost | duplicated | served twice | evaluated once "
                + "| no answer at all for (before) | slowest request (before) |\n|---|---|---|---|---|---|---|---|\n");
        for (DrillResult r : results) {
            out.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d/%d | %.1f s (%.1f s) | %.1f s (%.1f s) |%n",
                    r.fault().description(), r.requests(), r.lost(), r.duplicated(), r.servedTwice(), r.evaluated(), r.imaged(),
                    FaultDrill.seconds(r.stall()), FaultDrill.seconds(r.normalGap()), FaultDrill.seconds(r.slowestAfter()),
                    FaultDrill.seconds(r.slowestBefore())));
        }
        return out.toString();
    }
}
