package org.bivdiff.pipelines;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What a caller hears and says while a run goes: per-step progress, the cancellation checked between steps, and
 * each step's model output and result. One record travels through every request of a run.
 *
 * @param progress     per-step events
 * @param cancellation checked before every step
 * @param observer     each step's model output and result (the smoothing's and the one-loop baselines')
 */
public record RunEvents(ProgressListener progress, Cancellation cancellation, DenoisingLoop.StepObserver observer) {

    /** Nothing heard, nothing cancelled. */
    public static final RunEvents NONE = new RunEvents(ProgressListener.NONE, Cancellation.NONE,
            DenoisingLoop.StepObserver.NONE);

    public RunEvents {
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(cancellation, "cancellation");
        Objects.requireNonNull(observer, "observer");
    }

    /** Progress and cancellation, no step observer. */
    public static RunEvents of(ProgressListener progress, Cancellation cancellation) {
        return new RunEvents(progress, cancellation, DenoisingLoop.StepObserver.NONE);
    }

    /** A step observer alone. */
    public static RunEvents observing(DenoisingLoop.StepObserver observer) {
        return new RunEvents(ProgressListener.NONE, Cancellation.NONE, observer);
    }

    /** These events with {@code more} seeing every step too, after this record's observer. */
    public RunEvents alsoObservedBy(DenoisingLoop.StepObserver more) {
        Objects.requireNonNull(more, "more");
        DenoisingLoop.StepObserver first = observer;
        DenoisingLoop.StepObserver both = first == DenoisingLoop.StepObserver.NONE ? more : (i, t, eps, out) -> {
            first.afterStep(i, t, eps, out);
            more.afterStep(i, t, eps, out);
        };
        return new RunEvents(progress, cancellation, both);
    }

    /** These events with each progress event's stage renamed by {@code stage}. */
    public RunEvents renamed(UnaryOperator<String> stage) {
        ProgressListener inner = progress;
        ProgressListener renamed = p -> inner.onStep(new ProgressListener.Progress(stage.apply(p.stage()), p.step(),
                p.total(), p.timestep(), p.elapsed()));
        return new RunEvents(renamed, cancellation, observer);
    }
}
