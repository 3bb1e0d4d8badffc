package org.bivdiff.bivdiff;

import java.io.IOException;
import java.util.Objects;
import java.util.function.Consumer;

import org.bivdiff.graph.BackgroundLoad;

/**
 * A model kept from one stage to the next: loaded when a stage first asks for it, or ahead of time on a background
 * thread while an earlier stage computes ({@link #loadInBackground}), and closed when no later stage needs it, so
 * that a model two stages share is created once. One run's stages use it in turn, from one thread.
 *
 * @param <T> the loaded model
 */
final class Resident<T> implements AutoCloseable {

    private final BackgroundLoad.Loader<T> loader;
    private final Consumer<T> prepare;
    private final Consumer<T> closer;
    private T model;
    private BackgroundLoad<T> pending;

    /**
     * @param loader  creates the model
     * @param prepare creates the sessions the stages will use; when it fails, the model is released
     * @param closer  releases the model and its sessions
     */
    Resident(BackgroundLoad.Loader<T> loader, Consumer<T> prepare, Consumer<T> closer) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.prepare = Objects.requireNonNull(prepare, "prepare");
        this.closer = Objects.requireNonNull(closer, "closer");
    }

    /** The model with its sessions. */
    private T load() throws IOException {
        T loaded = loader.load();
        try {
            prepare.accept(loaded);
        } catch (RuntimeException | Error e) {
            closer.accept(loaded);
            throw e;
        }
        return loaded;
    }

    /** Starts loading the model on a background thread, unless it is loaded or loading; {@link #get} waits for it. */
    void loadInBackground() {
        if (model != null || pending != null) {
            return;
        }
        pending = BackgroundLoad.start("bivdiff-model-load", this::load);
    }

    /** The model: loaded now if no earlier stage loaded it, or once its background load has finished. */
    T get() throws IOException {
        if (model == null && pending != null) {
            BackgroundLoad<T> load = pending;
            pending = null;
            model = load.join();
        }
        if (model == null) {
            model = load();
        }
        return model;
    }

    /** Releases the model, once a background load has finished; a later {@link #get()} loads it again. */
    @Override
    public void close() {
        if (pending != null) {
            BackgroundLoad<T> load = pending;
            pending = null;
            try {
                model = load.join();
            } catch (IOException | RuntimeException e) {
                return;                                  // nothing was loaded; the stage's own failure is reported
            }
        }
        if (model != null) {
            T m = model;
            model = null;
            closer.accept(m);
        }
    }
}
