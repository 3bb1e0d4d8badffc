package org.bivdiff.conformance;

import java.util.Comparator;
import java.util.List;

/**
 * The outcome of one case.
 *
 * @param name        case name
 * @param status      PASS, FAIL or SKIP
 * @param comparisons one per checked output
 * @param message     why it failed or was skipped, else empty
 * @param seconds     wall time
 */
public record CaseResult(String name, Status status, List<Comparison> comparisons, String message, double seconds) {

    public enum Status { PASS, FAIL, SKIP }

    /** The comparison closest to (or furthest past) its tolerance. */
    public Comparison worst() {
        return comparisons.stream().max(Comparator.comparingDouble(c -> c.allowed() == 0
                ? (c.error() == 0 ? 0 : Double.POSITIVE_INFINITY) : c.error() / c.allowed())).orElse(null);
    }

    /** One report line: status, name, then the worst output against its tolerance or the message. */
    public String line() {
        Comparison w = worst();
        String detail = !message.isEmpty() ? message
                : w == null ? "no outputs" : comparisons.size() + " outputs; worst " + w.describe();
        return String.format(java.util.Locale.ROOT, "%-4s %-28s %6.1fs  %s", status, name, seconds, detail);
    }
}
