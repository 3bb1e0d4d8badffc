package org.bivdiff.bivdiff;

import java.io.IOException;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A model kept from one stage to the next: loaded when a stage first asks for it and closed when no later stage
 * needs it, so that a model two stages share is created once. Not thread-safe: one run's stages use it in turn.
 *
 * @param <T> the loaded model
 */
final class Resident<T> implements AutoCloseable {

    /** Loads the model. */
    @FunctionalInterface
    interface Loader<T> {
        T load() throws IOException;
    }

    private final Loader<T> loader;
    private final Consumer<T> closer;
    private T model;

    /**
     * @param loader creates the model
     * @param closer releases it
     */
    Resident(Loader<T> loader, Consumer<T> closer) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.closer = Objects.requireNonNull(closer, "closer");
    }

    /** The model, loaded now if no earlier stage loaded it. */
    T get() throws IOException {
        if (model == null) {
            model = loader.load();
        }
        return model;
    }

    /** Releases the model if it was loaded; a later {@link #get()} loads it again. */
    @Override
    public void close() {
        if (model != null) {
            T m = model;
            model = null;
            closer.accept(m);
        }
    }
}
