package org.bivdiff.graph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The sessions a model class holds for its graphs: one {@link Network} per key, loaded by the engine the first
 * time the key is asked for and reused after that, all closed together. A model with a single graph uses
 * {@link #single} and {@link #get()}. A session can be made ahead of its first use, on a background thread while
 * the caller goes on ({@link #prefetch}): a pipeline starts all the sessions it will need at once, so that they load
 * beside each other and beside its first steps instead of one after the other. Loads and {@link #get} may overlap;
 * {@link #close} is for when no other thread uses the sessions.
 *
 * @param <K> what tells the graphs apart (a conditioning, a frame norm, with or without intermediates)
 */
public final class LazySessions<K> implements AutoCloseable {

    private final Engine engine;
    private final Function<? super K, Model> graph;
    private final Map<K, Network> sessions = new HashMap<>();
    private final Map<K, BackgroundLoad<Network>> loading = new HashMap<>();

    /**
     * @param engine loads each graph
     * @param graph  builds the graph of a key; called once per key, on first use
     */
    public LazySessions(Engine engine, Function<? super K, Model> graph) {
        this.engine = engine;
        this.graph = graph;
    }

    /** The sessions of a model with one graph: {@link #get()} loads {@code graph} on first use. */
    public static LazySessions<Void> single(Engine engine, Supplier<Model> graph) {
        return new LazySessions<>(engine, key -> graph.get());
    }

    /**
     * Starts loading the session of {@code key} on a background thread, unless it is loaded or loading; {@link #get}
     * waits for it, and reports a failed load as the loading thread met it.
     */
    public synchronized void prefetch(K key) {
        if (sessions.containsKey(key) || loading.containsKey(key)) {
            return;
        }
        loading.put(key, BackgroundLoad.start("bivdiff-session-load", () -> engine.load(graph.apply(key))));
    }

    /** Starts loading the one session of a {@link #single} instance ({@link #prefetch(Object)}). */
    public void prefetch() {
        prefetch(null);
    }

    /** The session of {@code key}: loaded now if this is the first time, or once its {@link #prefetch} is done. */
    public Network get(K key) {
        BackgroundLoad<Network> load;
        synchronized (this) {
            Network n = sessions.get(key);
            if (n != null) {
                return n;
            }
            load = loading.get(key);
            if (load == null) {
                n = engine.load(graph.apply(key));
                sessions.put(key, n);
                return n;
            }
        }
        Network n;
        try {
            n = await(load);
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                loading.remove(key, load);                  // a later get loads again
            }
            throw e;
        }
        synchronized (this) {
            loading.remove(key, load);
            sessions.putIfAbsent(key, n);
            return sessions.get(key);
        }
    }

    /** The one session of a {@link #single} instance. */
    public Network get() {
        return get(null);
    }

    /** Closes every session loaded so far, once the loads under way have finished; a later {@link #get} loads again. */
    @Override
    public synchronized void close() {
        for (BackgroundLoad<Network> f : loading.values()) {
            try {
                await(f).close();
            } catch (RuntimeException | Error e) {
                // nothing was loaded; a caller that needed the session has seen the failure from get
            }
        }
        loading.clear();
        sessions.values().forEach(Network::close);
        sessions.clear();
    }

    /** The loaded session; the loads here read files only through a graph's builder, which reports them unchecked. */
    private static Network await(BackgroundLoad<Network> load) {
        try {
            return load.join();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
