package org.bivdiff.graph;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The sessions a model class holds for its graphs: one {@link Network} per key, loaded by the engine the first
 * time the key is asked for and reused after that, all closed together. A model with a single graph uses
 * {@link #single} and {@link #get()}.
 *
 * @param <K> what tells the graphs apart (a conditioning, a frame norm, with or without intermediates)
 */
public final class LazySessions<K> implements AutoCloseable {

    private final Engine engine;
    private final Function<? super K, Model> graph;
    private final Map<K, Network> sessions = new HashMap<>();

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

    /** The session of {@code key}, loaded now if this is the first time. */
    public synchronized Network get(K key) {
        return sessions.computeIfAbsent(key, k -> engine.load(graph.apply(k)));
    }

    /** The one session of a {@link #single} instance. */
    public Network get() {
        return get(null);
    }

    /** Closes every session loaded so far; a later {@link #get} loads again. */
    @Override
    public synchronized void close() {
        sessions.values().forEach(Network::close);
        sessions.clear();
    }
}
