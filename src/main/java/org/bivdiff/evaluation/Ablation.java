package org.bivdiff.evaluation;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.bivdiff.bivdiff.BivdiffPipeline;
import org.bivdiff.bivdiff.MixingRatio;
import org.bivdiff.bivdiff.StageStore;
import org.bivdiff.bivdiff.Strategy;

/**
 * The paper's ablation on one run: the bridging strategies (Fig. 7) and the mixing ratio (Fig. 8, 10). All
 * variants run through one {@link BivdiffPipeline} over one {@link StageStore}, so whatever a variant shares
 * with an earlier one comes from the store: the image model's frames are made once for every variant that uses
 * them ({@code sequential} at any ratio, {@code idm-only}); the frame encoding and each model's inversion once
 * for all {@code sequential} ratios (they do not depend on the ratio); only the temporal smoothing runs per
 * ratio. {@code vdm-only}, {@code alternate} and {@code fuse} start from noise and share nothing.
 */
public final class Ablation {

    /**
     * One variant.
     *
     * @param strategy    the bridging scheme
     * @param mixingRatio the ratio a (used by {@code sequential} and {@code fuse}; carried along by the others)
     */
    public record Variant(Strategy strategy, MixingRatio mixingRatio) {

        public Variant {
            Objects.requireNonNull(strategy, "strategy");
            Objects.requireNonNull(mixingRatio, "mixingRatio");
        }

        /** @throws IllegalArgumentException when {@code mixingRatio} is outside [0, 1] */
        public Variant(Strategy strategy, double mixingRatio) {
            this(strategy, new MixingRatio(mixingRatio));
        }

        /** Whether the strategy has a mixing ratio: sequential (inversion mix) and fuse (noise mix). */
        public boolean usesRatio() {
            return usesRatio(strategy);
        }

        static boolean usesRatio(Strategy s) {
            return s == Strategy.SEQUENTIAL || s == Strategy.FUSE;
        }
    }

    /**
     * The variants of {@code strategies} x {@code ratios}, in that order: a strategy with a mixing ratio once
     * per ratio, the others once (carrying the first ratio, which they do not use); duplicates dropped.
     */
    public static List<Variant> variants(List<Strategy> strategies, List<Double> ratios) {
        if (strategies.isEmpty() || ratios.isEmpty()) {
            throw new IllegalArgumentException("an ablation needs at least one strategy and one mixing ratio");
        }
        LinkedHashSet<Variant> out = new LinkedHashSet<>();
        for (Strategy s : strategies) {
            for (double a : Variant.usesRatio(s) ? ratios : ratios.subList(0, 1)) {
                out.add(new Variant(s, a));
            }
        }
        return List.copyOf(out);
    }

    /** One variant's run. */
    public record Outcome(Variant variant, BivdiffPipeline.Result result) {

        /** The variant's wall time: the sum of its stage times. */
        public Duration total() {
            return result.stageTimes().values().stream().reduce(Duration.ZERO, Duration::plus);
        }
    }

    /** Told before each variant starts and after it finished. */
    public interface Listener {
        void starting(int index, int count, Variant variant);

        /** A variant's result, before the next variant starts (to write it while the others run). */
        void finished(Outcome outcome) throws IOException;
    }

    private Ablation() {
    }

    /**
     * Runs every variant of {@code base} in order, sharing stages through {@code store}.
     *
     * @param base the run every variant derives from (its strategy and ratio are replaced)
     */
    public static List<Outcome> run(BivdiffPipeline pipeline, BivdiffPipeline.Request base, List<Variant> variants,
                                    StageStore store, Listener listener) throws IOException {
        List<Outcome> out = new ArrayList<>();
        for (int i = 0; i < variants.size(); i++) {
            Variant v = variants.get(i);
            listener.starting(i + 1, variants.size(), v);
            Outcome o = new Outcome(v, pipeline.run(base.with(v.strategy(), v.mixingRatio()), store));
            listener.finished(o);
            out.add(o);
        }
        return out;
    }

    /**
     * The time sharing saved: every stage a variant took from the store counted at what it cost in the variant
     * that computed it. A stage no variant computed (stored by an earlier ablation in the same folder) counts 0.
     */
    public static Duration savedByReuse(List<Outcome> outcomes) {
        Map<String, Duration> cost = new HashMap<>();
        for (Outcome o : outcomes) {
            o.result().stageTimes().forEach((label, time) -> {
                boolean computedHere = o.result().resumed().stream()
                        .noneMatch(stage -> BivdiffPipeline.timeLabel(stage).equals(label));
                if (computedHere) {
                    cost.putIfAbsent(label, time);
                }
            });
        }
        Duration saved = Duration.ZERO;
        for (Outcome o : outcomes) {
            // the frame stage's batches are stored one by one but timed as one stage
            for (String label : o.result().resumed().stream().map(BivdiffPipeline::timeLabel).distinct().toList()) {
                saved = saved.plus(cost.getOrDefault(label, Duration.ZERO));
            }
        }
        return saved;
    }
}
