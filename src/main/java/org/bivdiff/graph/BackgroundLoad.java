package org.bivdiff.graph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A load under way on a background thread, started so that it runs beside the caller's work; {@link #join} waits for
 * it and reports a failure as the loading thread met it. The thread is a daemon: a load never holds the process open.
 * Both ways of loading ahead use it: a model's sessions ({@link LazySessions#prefetch}) and a model kept from one
 * stage to the next.
 *
 * @param <T> what is loaded
 */
public final class BackgroundLoad<T> {

    /** The load itself. */
    @FunctionalInterface
    public interface Loader<T> {
        T load() throws IOException;
    }

    private final CompletableFuture<T> future = new CompletableFuture<>();

    private BackgroundLoad() {
    }

    /** Starts {@code loader} on a new daemon thread named {@code threadName}. */
    public static <T> BackgroundLoad<T> start(String threadName, Loader<T> loader) {
        BackgroundLoad<T> load = new BackgroundLoad<>();
        Thread.ofPlatform().daemon().name(threadName).start(() -> {
            try {
                load.future.complete(loader.load());
            } catch (Throwable e) {
                load.future.completeExceptionally(e);
            }
        });
        return load;
    }

    /**
     * What was loaded, once the load has finished.
     *
     * @throws IOException the loader's, or the one an {@link UncheckedIOException} of the loader carried
     */
    public T join() throws IOException {
        try {
            return future.join();
        } catch (CompletionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case UncheckedIOException u -> throw u.getCause();
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                default -> throw e;
            }
        }
    }
}
