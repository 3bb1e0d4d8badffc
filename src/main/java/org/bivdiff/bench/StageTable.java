package org.bivdiff.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Network;
import org.bivdiff.pipelines.ProgressListener;

/**
 * Where a whole run's time went, stage by stage, as the reference harness reports it: told of every session the
 * engine creates, every network call and every step, it splits the run into BIVDiff's stages (the frames, the
 * prompts of inversion and smoothing, VAE encode, each inversion, smoothing, VAE decode) and gives each its wall
 * time, the time its sessions took to load and its network time (calls x median per network), so that what the
 * host does between calls shows as the rest.
 *
 * <p>A call belongs to the stage of the step it is part of (the next step after it); VAE encode and the final VAE
 * decode are stages of their own (the frame stage decodes its frames too, after its last step); the text encoders
 * run before the frame stage's first step belong to it, later ones to the prompt encoding. A session's load belongs
 * to the stage of its first call, wherever it was loaded. Stages follow each other: a stage's wall time runs from
 * the end of the previous stage's last event to the end of its own, so the wall times add up to the run's.
 */
public final class StageTable implements Engine.Observer, ProgressListener {

    static final String FRAMES = "frame-wise generation";
    static final String PROMPTS = "prompt encoding";
    static final String VAE_ENCODE = "VAE encode";
    static final String VAE_DECODE = "VAE decode";

    /**
     * One network's calls in a stage.
     *
     * @param graph        its graph's name
     * @param calls        how many times it ran
     * @param medianSeconds the median call
     * @param sumSeconds   all its calls
     */
    public record Calls(String graph, int calls, double medianSeconds, double sumSeconds) {

        /** calls x median: the time the calls would take at their typical speed. */
        public double networkSeconds() {
            return calls * medianSeconds;
        }
    }

    /**
     * One stage.
     *
     * @param wallSeconds     from the end of the previous stage to the end of this one
     * @param loadSeconds     creating the sessions first run in this stage, wherever that ran
     * @param loadWaitSeconds the time inside this stage's wall time that a load was under way and no network ran
     *                        (loads beside each other count once; a load beside a running network not at all)
     * @param networks        per network, in the order of their first call
     */
    public record Row(String stage, double wallSeconds, double loadSeconds, double loadWaitSeconds,
                      List<Calls> networks) {

        /** Every network's calls x median. */
        public double networkSeconds() {
            return networks.stream().mapToDouble(Calls::networkSeconds).sum();
        }

        /** The wall time neither waiting for a load nor in a network call: the host's own work. */
        public double hostSeconds() {
            return wallSeconds - loadWaitSeconds - networks.stream().mapToDouble(Calls::sumSeconds).sum();
        }
    }

    private enum Kind { LOAD, RUN, STEP }

    private record Event(Kind kind, Network network, String label, long start, long end) {
    }

    private final List<Event> events = new ArrayList<>();

    StageTable() {
    }

    @Override
    public synchronized void loaded(Network network, long startNanos, long endNanos) {
        events.add(new Event(Kind.LOAD, network, network.model().name(), startNanos, endNanos));
    }

    @Override
    public synchronized void ran(Network network, long startNanos, long endNanos) {
        events.add(new Event(Kind.RUN, network, network.model().name(), startNanos, endNanos));
    }

    @Override
    public synchronized void onStep(Progress p) {
        long now = System.nanoTime();
        events.add(new Event(Kind.STEP, null, p.stage(), now, now));
    }

    /** The stages of what was recorded since {@code startNanos}, in the order they ended. */
    synchronized List<Row> rows(long startNanos) {
        List<Event> byEnd = events.stream().sorted(Comparator.comparingLong(Event::end)).toList();
        List<Event> runs = byEnd.stream().filter(e -> e.kind() == Kind.RUN).toList();
        long firstEncode = runs.stream().filter(e -> e.label().equals("vae_encode")).mapToLong(Event::start).min()
                .orElse(Long.MAX_VALUE);
        List<Event> steps = byEnd.stream().filter(e -> e.kind() == Kind.STEP).toList();
        long lastStep = steps.isEmpty() ? Long.MIN_VALUE : steps.getLast().end();
        // the stage of every run, then of every session (that of its first run)
        Map<Event, String> stageOfRun = new IdentityHashMap<>();
        Map<Network, String> stageOfSession = new IdentityHashMap<>();
        for (Event r : runs) {
            String stage = stageOfRun(r, steps, firstEncode, lastStep);
            stageOfRun.put(r, stage);
            stageOfSession.putIfAbsent(r.network(), stage);
        }
        Map<String, Long> ends = new LinkedHashMap<>();
        Map<String, List<Event>> loads = new LinkedHashMap<>();
        Map<String, Map<String, List<Long>>> calls = new LinkedHashMap<>();
        for (Event e : byEnd) {
            String stage = switch (e.kind()) {
                case STEP -> stepStage(e, firstEncode);
                case RUN -> stageOfRun.get(e);
                case LOAD -> stageOfSession.get(e.network());
            };
            if (stage == null) {
                continue;                                   // a session never run
            }
            ends.merge(stage, e.end(), Math::max);
            switch (e.kind()) {
                case LOAD -> loads.computeIfAbsent(stage, k -> new ArrayList<>()).add(e);
                case RUN -> calls.computeIfAbsent(stage, k -> new LinkedHashMap<>())
                        .computeIfAbsent(e.label(), k -> new ArrayList<>()).add(e.end() - e.start());
                case STEP -> { }
            }
        }
        List<long[]> running = runs.stream().map(r -> new long[] {r.start(), r.end()}).toList();
        List<Row> rows = new ArrayList<>();
        long from = startNanos;
        for (Map.Entry<String, Long> s : ends.entrySet().stream().sorted(Map.Entry.comparingByValue()).toList()) {
            long to = s.getValue();
            double load = 0;
            List<long[]> loading = new ArrayList<>();
            for (Event l : loads.getOrDefault(s.getKey(), List.of())) {
                load += (l.end() - l.start()) / 1e9;
                loading.add(new long[] {l.start(), l.end()});
            }
            double wait = waited(loading, running, from, to) / 1e9;
            List<Calls> networks = new ArrayList<>();
            calls.getOrDefault(s.getKey(), Map.of()).forEach((graph, nanos) -> networks.add(calls(graph, nanos)));
            rows.add(new Row(s.getKey(), (to - from) / 1e9, load, wait, networks));
            from = to;
        }
        return rows;
    }

    /**
     * The time within {@code [from, to]} that some load was under way and no network ran: loads made beside each
     * other count once, and a load made on a background thread while a network ran is not waited for.
     */
    static long waited(List<long[]> loads, List<long[]> runs, long from, long to) {
        List<long[]> loading = union(loads, from, to);
        List<long[]> running = union(runs, from, to);
        long total = 0;
        for (long[] l : loading) {
            total += l[1] - l[0];
            for (long[] r : running) {
                total -= Math.max(0, Math.min(l[1], r[1]) - Math.max(l[0], r[0]));
            }
        }
        return total;
    }

    /** The intervals clipped to {@code [from, to]}, merged where they overlap, in order. */
    private static List<long[]> union(List<long[]> intervals, long from, long to) {
        List<long[]> clipped = intervals.stream().map(i -> new long[] {Math.max(from, i[0]), Math.min(to, i[1])})
                .filter(i -> i[1] > i[0]).sorted(Comparator.comparingLong(i -> i[0])).toList();
        List<long[]> merged = new ArrayList<>();
        for (long[] i : clipped) {
            if (!merged.isEmpty() && i[0] <= merged.getLast()[1]) {
                merged.getLast()[1] = Math.max(merged.getLast()[1], i[1]);
            } else {
                merged.add(i.clone());
            }
        }
        return merged;
    }

    private static String stepStage(Event step, long firstEncode) {
        return step.end() < firstEncode ? FRAMES : step.label();
    }

    private static String stageOfRun(Event r, List<Event> steps, long firstEncode, long lastStep) {
        Event previous = null;
        Event next = null;
        for (Event s : steps) {
            if (s.end() < r.end()) {
                previous = s;
            } else {
                next = s;
                break;
            }
        }
        String graph = r.label();
        if (graph.equals("vae_encode")) {
            return VAE_ENCODE;
        }
        if (graph.equals("vae_decode")) {
            return r.start() > lastStep ? VAE_DECODE : previous == null ? FRAMES : stepStage(previous, firstEncode);
        }
        if (graph.startsWith("clip_text") && previous != null) {
            return PROMPTS;
        }
        Event step = next != null ? next : previous;
        return step == null ? FRAMES : stepStage(step, firstEncode);
    }

    private static Calls calls(String graph, List<Long> nanos) {
        double[] t = nanos.stream().mapToDouble(n -> n / 1e9).sorted().toArray();
        double median = t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
        return new Calls(graph, t.length, median, Arrays.stream(t).sum());
    }
}
