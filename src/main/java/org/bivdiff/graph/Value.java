package org.bivdiff.graph;

/** A named value of a graph under construction: an input, an initializer or a node output. */
public record Value(String name) {
}
